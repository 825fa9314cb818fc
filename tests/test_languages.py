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
