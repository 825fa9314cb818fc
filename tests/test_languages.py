"""Non-English text: segmented in its own script, and identical text is a copy in any language.

The texts are the opening of the seed source (Reuters, Kim Jong Un's 2023 visit to Russia) in
Chinese, Arabic and Russian translation.
"""

from __future__ import annotations

import pytest

from newstrace import compare
from newstrace.options import CompareOptions
from newstrace.segment import language_of, split_sentences

ZH = (
    "朝鲜领导人金正恩已抵达俄罗斯。一名消息人士周二告诉路透社，克里姆林宫表示，他将与普京总统进行全面会谈。"
    "华盛顿警告双方不应达成武器交易。\n\n"
    "金正恩周日乘坐专列离开平壤前往俄罗斯，朝鲜官方媒体周二报道说，随行的有军工和军队高级官员。"
    "一名了解此次行程的俄罗斯消息人士说，金正恩周二上午抵达俄罗斯，在哈桑下车会见当地官员，然后继续前行。"
    "哈桑是通往俄罗斯远东地区的主要铁路门户。\n\n"
    "金正恩很少出国访问，执政十二年来只出访过七次。其中四次是前往朝鲜的主要政治盟友中国。"
)
AR = (
    "وصل الزعيم الكوري الشمالي كيم جونغ أون إلى روسيا، حسبما قال مصدر لرويترز يوم الثلاثاء. "
    "وقال الكرملين إن الزيارة ستشمل مناقشة شاملة مع الرئيس فلاديمير بوتين، وسط تحذيرات من واشنطن "
    "بعدم الاتفاق على صفقة أسلحة.\n\n"
    "غادر كيم بيونغيانغ متوجها إلى روسيا يوم الأحد على متن قطاره الخاص، وفق ما ذكرته وسائل الإعلام "
    "الرسمية في الشمال، برفقة كبار مسؤولي صناعة الأسلحة والجيش. وقال مصدر روسي مطلع على الرحلة إن كيم "
    "وصل صباح الثلاثاء، ونزل من قطاره للقاء المسؤولين المحليين في خاسان قبل أن يواصل طريقه.\n\n"
    "نادرا ما يسافر كيم إلى الخارج، إذ لم يقم إلا بسبع رحلات خلال اثني عشر عاما في السلطة. "
    "وكانت أربع منها إلى الصين، الحليف السياسي الرئيسي للشمال؟ نعم، إلى الصين."
)
RU = (
    "Лидер Северной Кореи Ким Чен Ын прибыл в Россию, сообщил во вторник агентству Рейтер источник. "
    "В Кремле заявили, что его ждут всесторонние переговоры с президентом Владимиром Путиным, "
    "на фоне предупреждений Вашингтона не заключать сделку по оружию.\n\n"
    "Ким выехал из Пхеньяна в Россию в воскресенье на своём личном поезде, сообщили во вторник "
    "государственные СМИ Севера; его сопровождали высшие чиновники оборонной промышленности и военные. "
    "Российский источник, знакомый с поездкой, сказал, что Ким прибыл во вторник утром и встретился "
    "с местными чиновниками в Хасане, главных железнодорожных воротах на Дальний Восток России.\n\n"
    "Ким редко выезжает за границу: за 12 лет у власти он совершил лишь семь поездок. "
    "Четыре из них были в Китай, главного политического союзника Севера."
)

MORE = {  # the same opening in Korean, Japanese, Hindi, Greek, Thai, Hebrew and Persian
    "ko": (
        "북한 지도자 김정은이 러시아에 도착했다고 한 소식통이 화요일 로이터에 말했다. "
        "크렘린궁은 블라디미르 푸틴 대통령과 포괄적인 논의가 있을 것이라고 밝혔다.\n\n김 "
        "위원장은 일요일 전용 열차를 타고 평양을 떠나 러시아로 향했다. 북한 관영 "
        "매체는 군수 산업과 군 고위 관리들이 동행했다고 보도했다. 김 위원장은 집권 "
        "12년 동안 해외 방문이 일곱 차례에 불과하다."
    ),
    "ja": (
        "北朝鮮の金正恩総書記がロシアに到着したと、関係筋が火曜日にロイターに語った。"
        "クレムリンはプーチン大統領と包括的な協議を行うと述べた。\n\n"
        "金氏は日曜日に専用列車で平壌を出発した。国営メディアによると、"
        "軍需産業と軍の幹部が同行している。金氏が外国を訪れることはまれで、"
        "在任12年で7回しかない。"
    ),
    "hi": (
        "उत्तर कोरिया के नेता किम जोंग उन रूस पहुंच "
        "गए हैं, एक सूत्र ने मंगलवार को रॉयटर्स को "
        "बताया। क्रेमलिन ने कहा कि राष्ट्रपति "
        "व्लादिमीर पुतिन के साथ व्यापक चर्चा होगी।\n\n"
        "किम रविवार को अपनी निजी ट्रेन से प्योंगयांग "
        "से रूस के लिए रवाना हुए। सरकारी मीडिया के "
        "अनुसार उनके साथ हथियार उद्योग और सेना के "
        "शीर्ष अधिकारी थे। किम बहुत कम विदेश यात्रा "
        "करते हैं।"
    ),
    "el": (
        "Ο ηγέτης της Βόρειας Κορέας Κιμ Γιονγκ Ουν "
        "έφτασε στη Ρωσία, δήλωσε πηγή στο Reuters "
        "την Τρίτη. Το Κρεμλίνο ανέφερε ότι θα γίνει "
        "ευρεία συζήτηση με τον πρόεδρο Βλαντιμίρ "
        "Πούτιν.\n\nΟ Κιμ αναχώρησε από την "
        "Πιονγκγιάνγκ την Κυριακή με το ιδιωτικό του "
        "τρένο. Τον συνόδευαν ανώτεροι αξιωματούχοι "
        "της πολεμικής βιομηχανίας. Ο Κιμ ταξιδεύει "
        "σπάνια στο εξωτερικό."
    ),
    "th": (
        "ผู้นำเกาหลีเหนือ คิม จองอึน "
        "เดินทางถึงรัสเซียแล้ว "
        "แหล่งข่าวบอกรอยเตอร์เมื่อวันอังคาร "
        "เครมลินกล่าวว่าจะมีการหารืออย่างรอบด้านกับประธานาธิบดีวลาดิมีร์ "
        "ปูติน\n\n"
        "คิมออกจากเปียงยางเมื่อวันอาทิตย์ด้วยรถไฟส่วนตัว "
        "สื่อของรัฐรายงานว่ามีเจ้าหน้าที่ระดับสูงด้านอุตสาหกรรมอาวุธและกองทัพร่วมเดินทางด้วย "
        "คิมแทบไม่เดินทางไปต่างประเทศ"
    ),
    "he": (
        "מנהיג צפון קוריאה קים ג'ונג און הגיע לרוסיה, "
        "כך אמר מקור לרויטרס ביום שלישי. הקרמלין אמר "
        "כי יתקיים דיון מקיף עם הנשיא ולדימיר פוטין.\n\n"
        "קים יצא מפיונגיאנג ביום ראשון ברכבת הפרטית "
        "שלו. לפי כלי התקשורת הממלכתיים, בכירים "
        "בתעשיית הנשק ובצבא התלוו אליו. קים נוסע "
        'לחו"ל לעתים רחוקות.'
    ),
    "fa": (
        "رهبر کره شمالی کیم جونگ اون به روسیه رسید، "
        "یک منبع روز سه‌شنبه به رویترز گفت. کرملین "
        "گفت گفتگوی جامعی با رئیس جمهور ولادیمیر "
        "پوتین انجام خواهد شد.\n\nکیم روز یکشنبه با "
        "قطار شخصی خود پیونگ یانگ را ترک کرد. "
        "رسانه‌های دولتی گزارش دادند که مقامات ارشد "
        "صنایع تسلیحاتی و ارتش او را همراهی می‌کنند."
    ),
}


@pytest.mark.parametrize(("text", "language"), [(ZH, "zh"), (AR, "ar"), (RU, "ru")])
def test_each_script_is_split_into_its_own_sentences(text, language):
    segments = split_sentences(text)
    assert language_of(text.split("\n")[0]) == language
    assert len(segments) >= 6  # not one segment per paragraph
    for s in segments:
        assert text[s.start : s.end] == s.text and s.text.strip() == s.text


@pytest.mark.parametrize("encoder", ["minilm", "static"])
@pytest.mark.parametrize("text", [ZH, AR, RU], ids=["zh", "ar", "ru"])
def test_identical_text_in_any_language_is_a_copy(text, encoder):
    r = compare(text, text, CompareOptions(encoder=encoder))
    assert r.derived and r.verdict == "copy", (r.verdict, r.probability)
    assert r.coverage.suspect == pytest.approx(1.0) and r.coverage.source == pytest.approx(1.0)
    assert all(a.kind == "verbatim" for a in r.alignments)


def test_english_paragraphs_are_read_as_english(seed_paths):
    text = seed_paths[0].read_text(encoding="utf-8")
    assert {language_of(p) for p in text.split("\n") if p.strip()} == {"en"}


@pytest.mark.parametrize("language", sorted(MORE))
def test_identical_text_in_more_scripts_is_a_copy(language):
    """Scripts with no pysbd rules of their own (read as English) still split and compare as a copy."""
    text = MORE[language]
    assert len(split_sentences(text)) >= 2
    r = compare(text, text, CompareOptions(encoder="static"))
    assert r.derived and r.verdict == "copy", (r.verdict, r.probability)
    assert r.coverage.suspect == pytest.approx(1.0) and all(a.kind == "verbatim" for a in r.alignments)


def test_derived_across_languages_always_rests_on_aligned_sentences(seed_paths):
    """Translations of one story into other scripts, and the English original: a derived verdict
    (if any) must stand on aligned sentences covering both texts, never on 0% coverage."""
    english = seed_paths[0].read_text(encoding="utf-8")
    texts = [english, ZH, AR, RU, *MORE.values()]
    options = CompareOptions(encoder="static")
    for k, a in enumerate(texts):
        for b in texts[k + 1 :]:
            r = compare(a, b, options)
            assert not r.derived or (r.alignments and r.coverage.suspect > 0 and r.coverage.source > 0), r.verdict
