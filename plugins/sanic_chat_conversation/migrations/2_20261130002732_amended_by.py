from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "conversation_messages" ADD "amended_by" JSONB;
        COMMENT ON COLUMN conversation_messages."amended_by" IS 'The plugins whose amendments or republishes changed it (a list, written by its first change); NULL until then, or when changed before it was kept.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "conversation_messages" DROP COLUMN "amended_by";"""


MODELS_STATE = (
    "eJztWm1v2zYQ/isHfVkCeEbrtE3WDQMcN23dJfbQOFvRphAo6WwTkUmHpOYYWf77jrRkWb"
    "Lj2XlP4Q9J5OMdeXyeI/WQzqUXSvEPKs0Ml6LamPngvYVLT7AB0sMSrwp4bDgs+1izYUE8"
    "F6xdQKCNYqGhxi6LNZIpQh0qPkwH9urw8u1LKIwKnT7CkHEFXIM2UmEEXEDIhBQ8ZDFIFa"
    "GCLT1gcUwPPIIuV9psV0BL4MaNHMmQhuaid1+DnIpE8PMEKSrCCxiwM9Rw6oUKmUEw1Dte"
    "cG0oA5ACQaFJlNAUeeqBZl2ERNgBKKkwUQpFOK7avCed+kb2kPpQlP23b16iUfnMNdunwP"
    "v+nZ7dwKhnXNKG4Znf5RhHBWJ5ZOOd3TfjobOdnDTfvXeeFrHAD2WcDETuPRybvhRT9yTh"
    "UdXG2LYeClQ01WiGW5HEcVoLmWkyHzIYleA06Sg3RNhlSWwrxPutm4jQsgNuJPvr1e9paj"
    "Nuvt9qd/zjg47ve3MFZVMo0Z+aCGlbjFwYC9nl1aTfHBBn9ewAjY/1z1s7b7YdBFKbnnKN"
    "Di7vygUywyahDv6Z5ePoj3xm5tF+Ry2GD3Ax4sXIEvJRGlrNHm7CQGbIKcjXZAZuBt89AO"
    "7RBKO2iMcp90sI6DSPDo479aM/7XADrc9jh1+9c2Bbas46Llm3JnxJ2m4mm9G0E/i72fkI"
    "9iN8bbcOyqxO/TpfPZsTS4z0hRz5LJop08yaoUaeOeuT9emvt8QKQXe50h6Z59ssrBKkwU"
    "0gDTaQ5pDa10H3bOFWlb9UivC+p3ch74k/cOxAblImTIS4CFLqoXpCv54vpLk1X+qKjabv"
    "z+IqpblHGKNxs2/Ujxv1dwfegrLdgLoCqMFSUG3hBiw8GzEV+YUKti2yJkuWqe9806A2KF"
    "uYYD0Hj53HVWWJ7D1Crcl3NY2cOa8plf3BJG41yXw9Gwu1I724+tIVUxhzFMaiPi8fy3lm"
    "TitLyX3eawqzhpi01XEvMvI+JYwrhJ9/qdV2dnZrL3be7L1+tbv7eu/FHvm6fOebdpds3v"
    "vND81WpyhbrGG5xtR4vh7+acDdEDC/xdwBA14jUVoqkF13coopH20g7DPRw2r5OPf43BS2"
    "AoNigdjv4MU1bMyElBih6azASAr3Pe/5Xuvk8JBOriHCZHeOYIuBkQPanug8u70iK8tE/s"
    "GXTkHft/6qf3Zy5qj+Zbug8Q/brQ+Ze85Gq3HY3i/zMd3j1pCNhaBbyMaHYeaBhfjmRHv9"
    "lvPjnmgx4jcjvRB4B5w/nzX1lCjOMFnKcbqv34DkYuSG5afMsravtlRGztH86bjduk4zFs"
    "LKHPPQwL8Qc72KhnwgxeJu9OOkx4X+CSh/e2Nv8wduYMS0NdEDN/0KiUypEYQ0wIxVnFxB"
    "OgxsXV7BqI+CWknm/ApOBzlD+i1BgF36a6PGMEJ6OsOhub0cslQsl0Nl5VMqFttBWQ7RH8"
    "I48oPxOtwXo54Z9cSV5dbNgX6MBjpXKBwmAaXcR52eKiJbFaRo7TwqMFLckCiHYGy/2pl8"
    "05M6ZiWQCMNjy7qo2B5dRWRdpSWR1tlTrgd3GbCmPC4EbW5V50+A+UXOmueO+dANvMsvrf"
    "PbrM396vX3q4UV+/+X1uXLv5tCu/R/B35QqBes4ce/0L76Dwld/vw="
)
