from kzinvest.normalise.names import company_key, display_name, keys_match


def test_keys_fold_legal_forms_quotes_case_and_script():
    assert company_key("ПАО «КАМАЗ»") == company_key("KAMAZ") == company_key("камаз")
    assert company_key("Proton Holdings") == company_key("Протон")
    assert company_key("ТОО \"Alstom\" LLP") == company_key("Алстом")
    assert company_key("Wabtec Corp.") == company_key("Вабтек")


def test_inflection_and_near_spellings_match_but_short_names_stay_strict():
    assert keys_match(company_key("КАМАЗа"), company_key("KAMAZ"))
    assert keys_match(company_key("Протоном"), company_key("Proton"))
    assert keys_match(company_key("Kazakhmys Corporation"), company_key("Казахмыс"))
    assert not keys_match(company_key("ABC"), company_key("ABD"))
    assert not keys_match(company_key("Alstom"), company_key("Alcoa"))


def test_display_name_keeps_inner_quotes():
    assert display_name("  ПАО  «КАМАЗ» ") == "ПАО «КАМАЗ»"
    assert display_name("«КАМАЗ»") == "КАМАЗ"


def test_own_keys_when_the_extractor_key_is_absent(monkeypatch):
    import kzinvest.normalise.names as names
    monkeypatch.setattr(names, "_extractor_key", None)
    assert company_key("ПАО «КАМАЗ»") == company_key("KAMAZ") == "kamaz"
    assert company_key("Proton Holdings") == company_key("Протон") == "proton"
    assert company_key("Wabtec Corp.") == company_key("Вабтек")
