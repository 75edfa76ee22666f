"""Chinese names for the demo: people, enterprises, places. All fictional."""

from __future__ import annotations

import random

# Common surnames, roughly by frequency (the first ones come up more often).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国文红玉兰志辉鹏飞斌宇浩凯健俊波"
    "丹萍鑫晨昊思雨欣悦梓涵子轩晓峰海燕春梅亮成林佳琪诗婷立新永庆德顺宏坤雪莉慧敏嘉怡婉清"
)

# Enterprise trade names (字号): two characters from these, never a real brand on purpose.
TRADE_FIRST = "华恒泰瑞博诚宏鑫中盛德嘉联科新金永天汇通安源达远东明润晟卓凯航昱"
TRADE_SECOND = "泰信达力源兴辰邦锦隆越利宇拓丰睿欣腾海川禾晖烨康祥"
# Fictional foreign partners of joint ventures in the 中外合作 park.
FOREIGN_PARTNERS = ("克劳斯", "艾森", "斯坦因", "诺德", "福尔曼", "维克多", "海默", "樱田", "松川", "贝尔顿")

INDUSTRY_SUFFIX: dict[str, tuple[str, ...]] = {
    "化工": ("化工有限公司", "化学有限公司"),
    "精细化工": ("精细化工有限公司", "新型助剂有限公司"),
    "新材料": ("新材料科技有限公司", "高分子材料有限公司"),
    "环保科技": ("环保科技有限公司", "资源再生科技有限公司"),
    "危化品物流": ("危险品运输有限公司", "化工物流有限公司"),
    "装备制造": ("重工装备有限公司", "机械制造有限公司"),
    "汽车零部件": ("汽车零部件有限公司", "汽车部件制造有限公司"),
    "智能装备": ("智能装备有限公司", "自动化设备有限公司"),
    "电子信息": ("电子科技有限公司", "微电子有限公司"),
    "新能源": ("新能源科技有限公司", "储能科技有限公司"),
    "生物医药": ("生物医药有限公司", "制药有限公司"),
    "食品": ("食品有限公司", "食品科技有限公司"),
    "物流": ("供应链管理有限公司", "国际物流有限公司"),
    "精密机械": ("精密机械有限公司", "精密部件有限公司"),
}

# Migrant workers' home counties: (province, a county-level division code there).
HOME_REGIONS: tuple[tuple[str, str], ...] = (
    ("安徽省", "341221"), ("安徽省", "341222"), ("安徽省", "340421"), ("安徽省", "341523"),
    ("河南省", "411521"), ("河南省", "411723"), ("河南省", "411627"),
    ("四川省", "511321"), ("四川省", "510322"), ("四川省", "511623"),
    ("湖北省", "421127"), ("湖北省", "420921"),
    ("江西省", "360428"), ("江西省", "361128"),
    ("山东省", "371325"), ("山东省", "371721"),
    ("贵州省", "520422"), ("湖南省", "431021"),
    ("江苏省", "320722"), ("江苏省", "321322"), ("江苏省", "320321"),
    ("甘肃省", "620421"), ("重庆市", "500235"),
)

VILLAGES = ("江心村", "柳塘村", "石桥社区", "新港社区", "滨江花园", "梅岭村")


class NameMaker:
    """People's names; ``unique`` ones are never repeated (members are easier to tell apart)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self, *, unique: bool = True) -> str:
        for _ in range(200):
            surname = self.rng.choice(SURNAMES[:40]) if self.rng.random() < 0.7 else self.rng.choice(SURNAMES)
            given = "".join(self.rng.choice(GIVEN_CHARS) for _ in range(1 if self.rng.random() < 0.3 else 2))
            name = surname + given
            if not unique or name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of names")

    def trade_name(self) -> str:
        for _ in range(500):
            name = self.rng.choice(TRADE_FIRST) + self.rng.choice(TRADE_SECOND)
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of trade names")

    def enterprise(self, industry: str, *, joint_venture: bool) -> tuple[str, str]:
        """(full name, short name) of an enterprise of ``industry``."""
        trade = self.trade_name()
        suffix = self.rng.choice(INDUSTRY_SUFFIX[industry])
        if joint_venture:
            partner = self.rng.choice(FOREIGN_PARTNERS)
            return f"{partner}{trade}（临江）{suffix}", f"{partner}{trade}"
        prefix = self.rng.choice(("临江", "临江", "江苏", "南江"))
        return f"{prefix}{trade}{suffix}", trade
