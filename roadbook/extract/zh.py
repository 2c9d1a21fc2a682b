"""Chinese route notes: distance references and category keywords.

References (as :class:`roadbook.extract.patterns.Match`, so that the sentence pass treats them
like the English ones); K-stakes ("K1383", "K1383+500") are found by the English patterns:

* ``marker``: "1452公里处" (the road's km post), "G315 1452公里处";
* ``cumulative`` with a place: "黄连铺往永平县30公里" / "A至B全程311公里" (B lies N km from A),
  "距武岭10K处" / "离X 5公里" (N km before X);
* ``cumulative`` without a place: "在14公里的位置" (the day's odometer), "出发后10公里" (from the start);
* ``relative``: "再骑两公里" / "再行52公里", "N公里后", "N公里至/到X", "半公里到X".

Lengths ("连续上坡16公里", "全程2300公里", "总里程58 Km", "前40公里是城区") are not references.
Numbers may be written in Chinese for small values ("两公里", "半公里", "十公里").
"""

from __future__ import annotations

import re

from roadbook.extract.categories import Category
from roadbook.extract.patterns import Match

CJK = re.compile(r"[\u3400-\u9fff]")
_ZH_NUM = {"零": 0, "半": 0.5, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9, "十": 10}
_N = r"(?P<v>\d{1,5}(?:\.\d{1,2})?|[零半一二两兩三四五六七八九十百]{1,5})"
_KM = r"(?:公里|公裡|千米|km|KM|Km)"
_U = r"\s?(?:公里|公裡|千米|km|KM|Km|K|k)"
_PLACE = r"(?P<p>[\u3400-\u9fff]{2,10})"
_LAZY_PLACE = r"(?P<p>[\u3400-\u9fff]{2,10}?)"
_ABOUT = r"(?:约|約|大约|大約|只有|还有|還有|仅|僅)?"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "距离巴塘约20公里处", "距葉城縣只有110公里": N km before the place (before the marker form)
    (re.compile(r"(?:距离|距離|距|离|離)" + _LAZY_PLACE + r"\s?" + _ABOUT + r"\s?" + _N + _U + r"\s?[处處]?"),
     "before"),
    # "在甲县城东约九公里处": N km from a named town in a direction (not a km post)
    (re.compile(r"(?:在|于|於|位于|位於)(?P<p>[\u3400-\u9fff]{1,8}?(?:县城|縣城|县|縣|镇|鎮|市|城|乡|鄉|村|站))"
                r"(?:[东西南北東]{1,2}(?:方|面|边|邊)?)\s?" + _ABOUT + r"\s?" + _N + _U + r"\s?[处處]?"), "before"),
    # "到乙镇还有33KM": the distance still to go to the place ahead (a sign, a phone screen)
    (re.compile(r"(?:到|至|距)[\u3400-\u9fff]{1,10}?(?:还有|還有|尚有|剩)\s?" + _N + _U), "relative"),
    # "1452公里处", "零公里处", "0公里路碑": the road's km post
    (re.compile(_N + r"\s?(?:公里|公裡|千米)(?:处|處|路碑|碑|牌|标|標|的路桩|的路樁|的里程碑|路桩|路樁)"), "marker"),
    # "(路碑2828)", "里程碑:K3007": the number written on the road's km stone
    (re.compile(r"(?:路碑|里程碑|公里碑)\s?[:：]?\s?[Kk]?(?P<v>\d{1,4})(?![\d.]|\s?(?:m\b|米|公里|km))"), "marker"),
    # "G219第1888个里程碑": the road's 1888th km stone
    (re.compile(r"第\s?" + _N + r"\s?(?:个|個)?(?:里程碑|公里碑|公里桩|公里樁)"), "marker"),
    # "k272是个道班" (a lower-case K-stake in Chinese notes)
    (re.compile(r"(?<![A-Za-z0-9])k(?P<v>\d{2,4})(?![\d.]|\s?(?:m|公里|km))"), "marker"),
    # "从相克宗出发,5km左右": N km from the named start
    (re.compile(r"(?:从|從)" + _LAZY_PLACE + r"(?:出发|出發)[,，]?\s?" + _ABOUT + r"\s?" + _N + r"\s?" + _KM), "from0"),
    (re.compile(r"(?:从|從)?(?<![\d.])(?!公里|公裡|千米)" + _LAZY_PLACE
                + r"(?:往|到|至)(?P<q>[\u3400-\u9fff]{2,10}?)[,，]?\s?(?:全程|约|約)?\s?"
                + _N + r"\s?" + _KM + r"(?!\s?(?:路段|的路|路程|段|左右的))"), "from"),
    (re.compile(r"在\s?" + _N + r"\s?" + _KM + r"的?(?:位置|处|處)"), "odometer"),
    # "出发后10公里有水源", "出发30公里后": N km from the start of the ride (no place named)
    (re.compile(r"(?:出发|出發)(?:后|後|之后|之後)?\s?" + _ABOUT + r"\s?" + _N + r"\s?" + _KM + r"(?:后|後)?"),
     "odometer"),
    # "出城5公里就是景区": N km out of the town just left
    (re.compile(r"出(?:城|县城|縣城|镇|鎮|村|市区|市區)\s?" + _ABOUT + r"\s?" + _N + r"\s?" + _KM), "odometer"),
    # "已经骑行65公里", "一路起伏路到31公里有一个寺": the day's odometer where something is
    (re.compile(r"(?:已经|已經|已)(?:骑|騎)(?:行|了)?\s?" + _N + r"\s?" + _KM), "odometer"),
    (re.compile(r"(?:骑到|騎到|到了|到)\s?" + _N + r"\s?" + _KM
                + r"(?:处|處|的地方|时|時|左右)?(?=有|是|就是|看到|见到|見到)"), "odometer"),
    # "骑行大约26公里来到X", "到下午才骑了61公里": the day's odometer where the writer is
    (re.compile(r"(?:骑|騎)(?:行)?(?:了)?\s?" + _ABOUT + r"\s?(?:大约|大約)?\s?" + _N + r"\s?" + _KM
                + r"(?=来到|來到|到达|到達|抵达|抵達|到了)"), "odometer"),
    (re.compile(r"才(?:骑|騎)(?:行)?了\s?" + _N + r"\s?" + _KM), "odometer"),
    # a log line "15:52骑行61公里,…": the odometer at that time
    (re.compile(r"(?<=\d:\d\d)\s?(?:骑行|騎行|骑了|騎了)\s?" + _N + r"\s?" + _KM), "odometer"),
    # "还剩45公里": the distance still to go
    (re.compile(r"(?:还剩|還剩|剩下|剩余|剩餘)\s?" + _ABOUT + r"\s?" + _N + r"\s?" + _KM), "relative"),
    # "此时里程约100K": the day's odometer
    (re.compile(r"(?<![总總全])里程\s?[:：]?\s?(?:约|約|约略|約略)?\s?" + _N + _U + r"(?![A-Za-z])"), "odometer"),
    (re.compile(r"(?:再|又)(?:骑|騎|行|走|前进|前進)(?:了)?\s?" + _N + r"\s?" + _KM), "relative"),
    # "还有70公里就到理塘", "奔40公里外的叶城": the place still ahead
    (re.compile(r"(?:还有|還有)\s?" + _N + r"\s?" + _KM + r"\s?(?:就|便)?(?:到|至|可到)"), "relative"),
    (re.compile(r"(?<![\d.])" + _N + r"\s?" + _KM + r"外的?[\u3400-\u9fff]"), "relative"),
    (re.compile(r"(?<![\d.])" + _N + r"\s?" + _KM + r"\s?(?:后|後|之后|之後|(?:可)?(?:至|到))"), "relative"),
)
_LENGTH_BEFORE = re.compile(r"(?:连续|連續|全程|总|總|共|前|后|後|长|長|上坡|下坡|行程)\s?$")


#: Words after 距/离 that are no place on the route ("塔尔钦村离路边4公里": 4 km off the road).
_NOT_A_PLACE = {"路边", "路邊", "公路", "这里", "這裡", "这儿", "那里", "那裡", "主路", "国道", "國道"}


_ZH_NUMBER = re.compile(r"(?:(?P<h>[一二两兩三四五六七八九])百)?(?:(?P<t>[一二两兩三四五六七八九])?(?P<ten>十))?"
                        r"(?P<u>[一二两兩三四五六七八九])?")


def _value(s: str) -> float | None:
    """A number written in digits or in Chinese ("二十" 20, "一百二十" 120, "十五" 15, "半" 0.5);
    None for a run of numerals that is no number ("三四": "three or four")."""
    if s[0].isdigit():
        return float(s)
    if s in _ZH_NUM:
        return float(_ZH_NUM[s])
    m = _ZH_NUMBER.fullmatch(s)
    if not m or not s:
        return None
    hundreds = _ZH_NUM[m["h"]] * 100 if m["h"] else 0
    tens = (_ZH_NUM[m["t"]] if m["t"] else 1) * 10 if m["ten"] else 0
    return float(hundreds + tens + (_ZH_NUM[m["u"]] if m["u"] else 0))


def find_references_zh(sentence: str) -> list[Match]:
    """Chinese distance references of one sentence, in text order (no two overlap)."""
    found: list[Match] = []
    for rx, kind in _PATTERNS:
        for m in rx.finditer(sentence):
            if any(m.start() < f.end and f.start < m.end() for f in found):
                continue
            if (kind in ("relative", "odometer", "marker") and m.group(0)[:1] not in "再又还還里"
                    and _LENGTH_BEFORE.search(sentence[max(0, m.start() - 3):m.start()])):
                continue
            if kind == "before" and m["p"] in _NOT_A_PLACE:
                continue                                  # "离路边4公里": off the road, not on it
            v = _value(m["v"])
            if v is None:
                continue
            if kind == "marker":
                found.append(Match(v, "km", "marker", m.start(), m.end(), pattern="N公里处"))
            elif kind == "before" and re.search(r"还有|還有|尚有", m.group(0)):
                # "离阿合奇县还有60公里": the distance still to go, at the writer's position
                found.append(Match(v, "km", "relative", m.start(), m.end(), pattern="离X还有N公里"))
            elif kind == "before":
                found.append(Match(v, "km", "cumulative", m.start(), m.end(), place=m["p"],
                                   pattern="距X N公里"))
            elif kind in ("from", "from0"):
                place = re.split(r"[从從]", m["p"])[-1] or m["p"]      # "第二天从乙镇": 乙镇
                found.append(Match(v, "km", "cumulative", m.start(), m.end(), place=place,
                                   pattern="A往B N公里", dest=m["q"] if kind == "from" else None))
            elif kind == "odometer":
                found.append(Match(v, "km", "cumulative", m.start(), m.end(), pattern="在N公里"))
            else:
                found.append(Match(v, "km", "relative", m.start(), m.end(), pattern="再N公里"))
    found.sort(key=lambda x: x.start)
    return found


_RULES_ZH: tuple[tuple[str, str], ...] = (
    ("checkpoint", r"检查站|檢查站|检查|安检|边防站"),
    ("border", r"口岸|边境|邊境|海关|海關"),
    ("turn_off", r"路口|岔路|转弯|轉彎|左转|右转|左拐|右拐|分岔"),
    ("pass", r"垭口|埡口|达坂|達坂|山口|坡顶|坡頂|山顶|山頂"),
    ("camping", r"露营|露營|扎营|紮營|营地|營地|帐篷|帳篷"),
    ("accommodation", r"住宿|宾馆|賓館|旅馆|旅館|酒店|客栈|客棧|民宿|招待所|住"),
    ("water", r"加水|水源|泉水|打水"),
    ("food", r"补给|補給|食宿|饭|飯|餐|超市|商店|小卖部|加油站"),
    ("hazard", r"危险|危險|塌方|落石|隧道"),
    ("descent", r"下坡"),
    ("climb", r"上坡|爬坡"),
    ("road_works", r"修路|施工|烂路|爛路|搓板|土路|柏油|高速"),
    ("town", r"县|縣|镇|鎮|市|乡|鄉|村|城"),
    ("landmark", r"长城|長城|景区|景區|风景|風景|寺|塔|桥|橋|湖"),
)
_COMPILED_ZH = [(cat, re.compile(words)) for cat, words in _RULES_ZH]


def categorize_zh(clause: str) -> Category:
    """The category of a Chinese clause: the first keyword in the text decides (ties by rank)."""
    hits: list[tuple[int, int, str, str]] = []
    for rank, (cat, rx) in enumerate(_COMPILED_ZH):
        m = rx.search(clause)
        if m:
            hits.append((m.start(), rank, cat, m.group(0)))
    if not hits:
        return Category("info", (), True)
    hits.sort()
    return Category(hits[0][2], (hits[0][3],), False)
