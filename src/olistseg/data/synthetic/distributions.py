"""The synthetic shop's marginal distributions, calibrated on the real Olist tables, and its
planted behaviour groups."""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86_400  # seconds

#: The real 27 states with their share of Olist customers.
STATE_SHARES: dict[str, float] = {
    "SP": 0.4198,
    "RJ": 0.1292,
    "MG": 0.1170,
    "RS": 0.0550,
    "PR": 0.0507,
    "SC": 0.0366,
    "BA": 0.0340,
    "DF": 0.0215,
    "ES": 0.0204,
    "GO": 0.0203,
    "PE": 0.0166,
    "CE": 0.0134,
    "PA": 0.0098,
    "MT": 0.0091,
    "MA": 0.0075,
    "MS": 0.0072,
    "PB": 0.0054,
    "PI": 0.0050,
    "RN": 0.0049,
    "AL": 0.0042,
    "SE": 0.0035,
    "TO": 0.0028,
    "RO": 0.0025,
    "AM": 0.0015,
    "AC": 0.0008,
    "AP": 0.0007,
    "RR": 0.0005,
}

#: First zip-code prefix of each state (Correios ranges), its capital, and its centroid.
STATE_GEO: dict[str, tuple[int, int, str, float, float]] = {
    "SP": (1000, 19999, "sao paulo", -23.55, -46.63),
    "RJ": (20000, 28999, "rio de janeiro", -22.91, -43.17),
    "ES": (29000, 29999, "vitoria", -20.32, -40.34),
    "MG": (30000, 39999, "belo horizonte", -19.92, -43.94),
    "BA": (40000, 48999, "salvador", -12.97, -38.50),
    "SE": (49000, 49999, "aracaju", -10.91, -37.07),
    "PE": (50000, 56999, "recife", -8.05, -34.88),
    "AL": (57000, 57999, "maceio", -9.67, -35.74),
    "PB": (58000, 58999, "joao pessoa", -7.12, -34.86),
    "RN": (59000, 59999, "natal", -5.79, -35.21),
    "CE": (60000, 63999, "fortaleza", -3.73, -38.52),
    "PI": (64000, 64999, "teresina", -5.09, -42.80),
    "MA": (65000, 65999, "sao luis", -2.53, -44.30),
    "PA": (66000, 68899, "belem", -1.46, -48.50),
    "AP": (68900, 68999, "macapa", 0.03, -51.07),
    "AM": (69000, 69299, "manaus", -3.12, -60.02),
    "RR": (69300, 69399, "boa vista", 2.82, -60.67),
    "AC": (69900, 69999, "rio branco", -9.97, -67.81),
    "DF": (70000, 73699, "brasilia", -15.79, -47.88),
    "GO": (72800, 76799, "goiania", -16.68, -49.25),
    "TO": (77000, 77999, "palmas", -10.18, -48.33),
    "MT": (78000, 78899, "cuiaba", -15.60, -56.10),
    "RO": (76800, 76999, "porto velho", -8.76, -63.90),
    "MS": (79000, 79999, "campo grande", -20.47, -54.62),
    "PR": (80000, 87999, "curitiba", -25.43, -49.27),
    "SC": (88000, 89999, "florianopolis", -27.59, -48.55),
    "RS": (90000, 99999, "porto alegre", -30.03, -51.23),
}

#: Sellers are far more concentrated in the south-east than customers.
SELLER_STATE_SHARES: dict[str, float] = {
    "SP": 0.597,
    "PR": 0.113,
    "MG": 0.079,
    "SC": 0.061,
    "RJ": 0.055,
    "RS": 0.042,
    "GO": 0.013,
    "DF": 0.010,
    "BA": 0.010,
    "ES": 0.008,
    "PE": 0.006,
    "CE": 0.006,
}

#: Real category names (Portuguese, English) with their relative item volume.
CATEGORIES: list[tuple[str, str, float]] = [
    ("cama_mesa_banho", "bed_bath_table", 11115),
    ("beleza_saude", "health_beauty", 9670),
    ("esporte_lazer", "sports_leisure", 8641),
    ("moveis_decoracao", "furniture_decor", 8334),
    ("informatica_acessorios", "computers_accessories", 7827),
    ("utilidades_domesticas", "housewares", 6964),
    ("relogios_presentes", "watches_gifts", 5991),
    ("telefonia", "telephony", 4545),
    ("ferramentas_jardim", "garden_tools", 4347),
    ("automotivo", "auto", 4235),
    ("brinquedos", "toys", 4117),
    ("cool_stuff", "cool_stuff", 3796),
    ("perfumaria", "perfumery", 3419),
    ("bebes", "baby", 3065),
    ("eletronicos", "electronics", 2767),
    ("papelaria", "stationery", 2517),
    ("fashion_bolsas_e_acessorios", "fashion_bags_accessories", 2031),
    ("pet_shop", "pet_shop", 1947),
    ("moveis_escritorio", "office_furniture", 1691),
    ("consoles_games", "consoles_games", 1137),
    ("malas_acessorios", "luggage_accessories", 1092),
    ("construcao_ferramentas_construcao", "construction_tools_construction", 929),
    ("eletrodomesticos", "home_appliances", 771),
    ("instrumentos_musicais", "musical_instruments", 680),
]

PAYMENT_TYPES = ("credit_card", "boleto", "voucher", "debit_card")
#: Credit-card installments 1..10 with the real shares.
INSTALLMENT_SHARES = (0.331, 0.162, 0.136, 0.092, 0.068, 0.051, 0.021, 0.056, 0.008, 0.069)
#: Order statuses other than delivered, with their real shares of all orders.
OTHER_STATUSES = {
    "shipped": 0.0111,
    "canceled": 0.0063,
    "unavailable": 0.0061,
    "invoiced": 0.0032,
    "processing": 0.0030,
    "created": 0.00005,
    "approved": 0.00002,
}


@dataclass(frozen=True)
class Group:
    """A planted behaviour group: how its customers buy, pay, get served and review."""

    name: str
    repeat_probability: float  # chance that each order is followed by another
    log_price_shift: float  # added to the log of product prices
    late_probability: float  # chance that a delivery is late
    on_time_scores: tuple[float, float, float, float, float]  # P(score 1..5) when on time
    payment_mix: tuple[float, float, float, float]  # over PAYMENT_TYPES
    installment_boost: float  # >1 favours more installments


GROUPS: tuple[Group, ...] = (
    Group(
        "loyal_high_spender",
        0.22,
        0.55,
        0.03,
        (0.03, 0.01, 0.03, 0.16, 0.77),
        (0.90, 0.06, 0.025, 0.015),
        1.6,
    ),
    Group(
        "bargain_one_off",
        0.010,
        -0.45,
        0.05,
        (0.07, 0.025, 0.09, 0.22, 0.595),
        (0.63, 0.32, 0.035, 0.015),
        0.6,
    ),
    Group(
        "late_unhappy",
        0.015,
        0.0,
        0.25,
        (0.13, 0.035, 0.10, 0.21, 0.525),
        (0.76, 0.19, 0.035, 0.015),
        1.0,
    ),
    Group(
        "standard",
        0.020,
        0.10,
        0.04,
        (0.065, 0.022, 0.07, 0.19, 0.653),
        (0.80, 0.15, 0.035, 0.015),
        1.0,
    ),
)

#: Score mix of late orders (1..5): the real mean is about 2.6 against 4.3 on time.
LATE_SCORES = (0.45, 0.10, 0.15, 0.12, 0.18)


COMMENTS_BY_SCORE = {
    1: [
        "Produto nao chegou",
        'Recebi o produto errado, "pessimo" atendimento',
        "Nao recebi ate agora.\r\nQuero meu dinheiro de volta",
    ],
    2: ["Demorou muito para chegar", "Veio com defeito, mas; a loja respondeu"],
    3: ["Produto ok, entrega atrasou", "Razoavel"],
    4: ["Bom produto", "Chegou antes do prazo,\r\nrecomendo"],
    5: ["Otimo produto, recomendo!", "Excelente, chegou rapido", "Tudo certo.\r\n\r\nObrigado!"],
}
