from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "groups" ADD "member_count" INT NOT NULL DEFAULT 0;
        COMMENT ON COLUMN groups."member_count" IS 'Its members: kept by triggers on group_members (`counts.py`).';
        UPDATE "groups" SET "member_count" = (
            SELECT COUNT(*) FROM "group_members" WHERE "group_members"."group_id" = "groups"."id"
        );
        CREATE FUNCTION "group_member_count"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                UPDATE "groups" SET "member_count" = "member_count" + 1 WHERE "id" = NEW."group_id";
            ELSE
                UPDATE "groups" SET "member_count" = "member_count" - 1 WHERE "id" = OLD."group_id";
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER "group_member_count" AFTER INSERT OR DELETE ON "group_members"
            FOR EACH ROW EXECUTE FUNCTION "group_member_count"();"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TRIGGER "group_member_count" ON "group_members";
        DROP FUNCTION "group_member_count"();
        ALTER TABLE "groups" DROP COLUMN "member_count";"""


MODELS_STATE = (
    "eJztWW1P4zgQ/itWvlyRuIotLHC7p5NK6bLdhfYE5Q4tu8q6iZv6SO0QOyoVx3+/sfOetI"
    "UW2qOoHyjJ2OOXZ8Yzjyf3huPzwKueqF/jA7o3GB4SeMjJt5GBPS+RqneJe27aT+guPSF9"
    "bEmQ9rErCIhsIiyfepJyBlIWuK4Scgs6UuakooDR24CYkjtEDogPDdc/QEyZTe6IiF+9G7"
    "NPiWvn1kltNbeWm3LsadnlZev4k+6ppuuZFneDIUt7e2M54CzpHgTUriod1eYQRnwsiZ3Z"
    "hlpltN9YFK4YBNIPSLJUOxXYpI8DV4Fh/N4PmKUwQHom9bP3R7S0TDfTbHe65kWza5rGHN"
    "hZnCncKZMKqPuHcNwUEC011ASNz/Xzyu7+loaAC+n4ulHDZTxoRSxxqKpBT1GWVML2S0A3"
    "BtifDHSiUMAalroIyrEghTl1sRjAGKIlgGoM8Z3pEubIAby+29mZgfJf9XMNNPTSSHM4E+"
    "FRaUdNtbBNIZ4ibPlE4WFiWYb5GFokHZLJUOc1C3jbkWo1flhH9GGDdoe54+h0zQC/2zpr"
    "XnTrZ3+q6YZC3Loav3q3qVpqWjouSCv7BTslg6C/W93PSL2ib512s3hukn7db4ZaEw4kNx"
    "kfmdjOBIJYGqOWs/qQDHvEB2MGbILdW0xONnlRrWB0GkqXYead+WxstKRA4WrFB3RDPIl6"
    "Y0CGOg5IEIREnT/MqAuq/NR7ElVv/HOrajzNPRy1+F9r7/YO9g539/cOoYveYCI5mOExrX"
    "a3cBL5CGAz58srWZ2XzC7/88lbPJmofN2/mZhLNFZlcD9xn1CHfSVjDXELFoKZNSmHBIL4"
    "1UtB1jGTPMSeE0vTQOHjUcJvcg4FW7eJS6Te/DmEnPNWA5xWQdzD1s0I+7Y5BevoXJXRPo"
    "oUP309Jy7WuygDneGAZ3qgNwS4ho/XeAa2HKDlpmFtWJRghh29JTW3mqmM2BROneI5m1mb"
    "GQs+SrCNcFQxoN5HRCHyhkZAFT3UNlIHZwtpQyAYgCPMxEiF3e8GFegK4ShUI95HJ9+NUv"
    "xdxvgTqP91CoYa0fhRuAtcZ8RPvhMcUWdqOp0Ytyck0eigPu86sEyiFGbC32q13d2D2s7u"
    "/uH7vYOD94c7SUosN83KjUetE5Uec+QozpfT7wr/cMoWIrI5xQ2PXSceG8aq+ThTVmfDmQ"
    "okVEW4OfHMqGzgnE1Bk/yyKAUtVMfWE9NHSWj2hOZIaKN+0agfN42Sy25o/WxEM2d0MqDT"
    "Sf3y+aoQWBOIKYQ1bH4KY9U9l1ATvlZJaMC1g1guJUwqLMv0MFlZ3LpSlvgyVeM3TxMFuZ"
    "0P/0hhWbWuF7CA0Qh8wfX1BlwWwb2aCImsAWYOma+YtRLbZIrPnEkyqQLZJXdTrJFRWajE"
    "H8G95AButC9PTxGHhIPCYGujCkaSDyEucUaeWmKcxdSbV90cSY+r/JWz+tVWjqifdtoncf"
    "fMV4HGaeeoaI8kuM3B/3JKz2CAq7HMivn05vPK9JDzdq+lxKaLGT2n+AI2X58z9ZpMHGMy"
    "08ZRXF/AyHnNjZVfs5WFSm0RjSyZ+ctFpz2NM+bUijamlkT/IpeKp3DIFTGWLjBHzw0cys"
    "QvCNZvo3D9iEo0wkKJ4IHKwTaQTC4IYlwiLBXjpD6KpkGV+wc0GhAGrUBzPiLNg7QAiI8P"
    "NKhH+vBfaY3RiMCT+jj7fDqkTDGbDhWZT8FZ1ABFOgT/AGPb7I3nsX1ea81MD7ZSttV7gD"
    "8pENwrfOIFPVjygIjoVmErrwBGq/axjUY+lUDK1Sd29XWmT/3k+hG7QMAkdZXV2bYaUXtE"
    "PFTkEpGfvWZ/0FWAOelxTmlTIC1AuingL7finBauNuXR6eXR3Bl9vOK8KeO/UBl/lVXnh/"
    "8AQoFPow=="
)
