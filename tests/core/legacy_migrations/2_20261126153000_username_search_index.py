from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
-- Username search reads a range in byte order: this index serves both the range and the order,
-- so a search reads as many entries as it returns, whatever the prefix. The pattern_ops index
-- it replaces served LIKE, but not the order, and not LIKE with a parameter.
CREATE INDEX IF NOT EXISTS "idx_users_username_c" ON "users" ("username" COLLATE "C");
DROP INDEX IF EXISTS "idx_users_username_prefix";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
CREATE INDEX IF NOT EXISTS "idx_users_username_prefix" ON "users" ("username" varchar_pattern_ops);
DROP INDEX IF EXISTS "idx_users_username_c";"""


MODELS_STATE = (
    "eJztXG1z2jgQ/isaf7lkJpdJyOv1bm6G0DTHNS+dhNx1mnRcYQtQY0tUkksyvfz3k2Qb/E"
    "owgUCovjCw2pXlZ/Xy7K7xD8unLvL45jVHzHoDflgE+kh+Sck3gAX7/ZFUCQRse1oxkBpa"
    "AttcMOgIKexAjyMpchF3GO4LTImUksDzlJA6UhGT7kgUEPwtQLagXSR6eiA3n6UYExfdIx"
    "7/7N/ZHYw8NzVO7Kpra7ktHvpadn3dfPtOa6rLtW2HeoFPRtr9B9GjZKgeBNjdVDaqrYsI"
    "YlAgN3EbapTR7caicMRSIFiAhkN1RwIXdWDgKTCsPzoBcRQGQF9Jfez+GQ0toWbb5xct++"
    "q4ZdtWBewcShTumAgF1I/HsN8RIFpqqQs0/qpfru3sr2sIKBddphs1XNajNoQChqYa9BHK"
    "yIfYywPd6EFWDPTQIIO1HOp8UI4BmgOklg/vbQ+RrujJn7W93TEY/1O/1DBLLY0zlSsiXC"
    "fnUVMtbFN4j/BVi0h/rwBx0mblUN6pTQDyTq0UY9WUhrgPOR9Q5to9yHtVcM4ZzgbsWDBC"
    "e7RrLmBS7000qffGTOq9LOIOQwoPG4o83G9li8A+KoY8bZnB241MN+MvrxF9eYPuBfEeok"
    "U2BvxW8+z4qlU/+6Au53P+zdP41VvHqqWmpQ8Z6dp+xk/DTsC/zdZfQP0Eny7Oj7NHwVCv"
    "9clSY4KBoDahAxu6if0glsaoParTuXOXODmUoA2duwGU6ybXQmu0TDff5Nf8rAQS2NU+U+"
    "CqYUZk5YTRoF/EYsKGsTSmq1QMj1lxHiOw8CodskODFdz0t7e2Jtj0pVbppq/bzKb/c276"
    "Sa/TgfSEXW0PS9rMcidbsJen37hyp2gG3zy47yhDuEveowcNcVMOBBKnaL/KhPOvE9ORdD"
    "QtGRwMT9PUlJI3L28ZCX37l3KCXzYbLeuxnJkkWAPy21FSI433UWT47v0l8qC+i1KoNec4"
    "0z2tEOKPc+dvEWRlLG6E6BNczk548UlKZ4Xd8h7u/w6w4CD0A1jTXW0AFWuvA+0LIDugAB"
    "I+kPrg1sIcfAQQhFcDtANObq1NKwPyPPovIJs34a3rVrXSP2fY501CPDELPcLdJhEVeKia"
    "LZkZHy3W5U0+dNUQfv2tVtvZOaht7ewf7u0eHOwdbh1KXT3efNPBmJ3+qHnSPG+lj2MlGM"
    "9Ov1JMpqJOKUPDnF4Tcwr3qmrMKWljmFNBKrUingkTA+d4Ijo8X55JRIcZmdcJ6pNMNLlE"
    "U0y0Ub9q1N8eW7k5a9j9U5gmlmkxpAvMOp4hzqEmEWW0NWyfiLdq1TnkIm/UUdSjeo44Hk"
    "ZEKDjzJHG4yOPWF+WKy1+pWgqyyNG3avhHBrNxQH7LmIEHrEbAONVBjpyyQEbYiAvg9CDp"
    "olxItXjfJJKelAhECmh7C92XeCNhMlVqOYJ7znu4dX59egqoPHVAuN+6YA0CQX25L1GC1i"
    "f0yji+fvyxlaLqcXZ57az+cT1F108vzk9i9UQ2unF6cZT1x3Bzq8ACU0bP4IEv45kXZtUm"
    "rV++5axucIpcPJ3TU4Yz8PnrWVPL5OIYk7E+jvb1KZyctjReXmYvh8S/4omYMjKZkcyRaD"
    "J38001jWJVkxYZlxZJrdKnc00mgzerDN5i0k0NSr4jxmF037l0U6p9Y1y6yUloTlgmrYPt"
    "N9sgabgJWjJU70PMAOZARoVMxoiYAAcSSrADPUCZixhY4z70PPkFu6CDGRfrG4BTVQvN1U"
    "rncZFbElVcwxqrD++QKq6GwYnONqB7zIUcgYx2EWBIBIxwaXlrAQ47CAREXUAOygkYQ8R5"
    "KK/B6jwljIuwdrukDBs3mMcBF/Y4oIlqSwFf4ag2XJ/T1AihoW7FXDjcz6aBtG0gnYgNjw"
    "4Vw4afLBLCSpVXeRAbWCeBtb3kdHhMEbZIbWJyvAQlWSfD6k1ldtHVP1OZNZVZU5k1ldlF"
    "U28Tw5ZvOasbw5rK7OrX7Exl9mfwsqnMzv5ITMZuFalG3tTAa+q0C6jTZiP+Z4KbLQuuKM"
    "gF63eZslWXqCPXVa9F71Bh8TbVvjEuP8VCTVso1QmrtxcEAcx5IGPFyBxo802gL8gBo0JN"
    "CdBh1Nd1UI92MQEdynwAZa8+9h5UmMkR57LPfJA5h0vckltSDztRxd8upa4Oe9/EF1A1Wx"
    "+yO1WtVX+kdQEkbjgIrv9rywPHkb1Rtgk+SAMZSioTqHVvSdgz7MpJBXwEddEXDCAHDu1j"
    "5OoCssp5DHrUQ/EA5UAY+i4t3bIysHnvS3ruqQK+hvoXDr58FfgLcDyI/eenKZ5R/g2dWZ"
    "EhpIzmyw1eMnU6G+YVLv0pIpaUoUlFLEsEM1Eq4r6PZW/T5CJSlivo9Vfi5YniVHVaTuHj"
    "hJnJQyyzfyM+M4WL05bGy8vsZfN2hHk/pGMSIa/0f/x1xLDTswqi8qhlY1w8Dkc6S/P+0J"
    "/ltU217d2D3cOd/d3howRDybgnCJ5+kkOlkgrTb+UvDE2YrOArQ+fynmi1qCogHKmvILrz"
    "eSFr2RMwf19dnFd9AsbFjgD/AQ/zGT2btCxnvgIjxeFyD7tkn2vJkAPVwVERO3jJw+zxf6"
    "LpImM="
)
