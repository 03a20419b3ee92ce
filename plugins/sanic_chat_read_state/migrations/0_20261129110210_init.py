from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "read_rooms" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "room_type" VARCHAR(64) NOT NULL,
    "room_id" UUID NOT NULL,
    "message_count" BIGINT NOT NULL,
    "deleted_count" BIGINT NOT NULL,
    "counted_from" BIGINT NOT NULL,
    CONSTRAINT "uid_read_rooms_room_ty_e09ac6" UNIQUE ("room_type", "room_id")
);
COMMENT ON COLUMN "read_rooms"."room_type" IS 'The room kind''s name.';
COMMENT ON COLUMN "read_rooms"."message_count" IS 'Messages stored since counted_from.';
COMMENT ON COLUMN "read_rooms"."deleted_count" IS 'Of those, the ones deleted since.';
COMMENT ON COLUMN "read_rooms"."counted_from" IS 'The first message counted.';
COMMENT ON TABLE "read_rooms" IS 'How many messages a room has had since counting began, and how many are tombstones.';
        CREATE TABLE IF NOT EXISTS "read_tombstones" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "room_type" VARCHAR(64) NOT NULL,
    "room_id" UUID NOT NULL,
    "message_id" BIGINT NOT NULL,
    CONSTRAINT "uid_read_tombst_room_ty_757227" UNIQUE ("room_type", "room_id", "message_id")
);
COMMENT ON TABLE "read_tombstones" IS 'A counted message deleted since: taken off the counts of whoever had not read it.';
        CREATE TABLE IF NOT EXISTS "read_positions" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "room_type" VARCHAR(64) NOT NULL,
    "room_id" UUID NOT NULL,
    "last_read_id" BIGINT NOT NULL,
    "read_count" BIGINT NOT NULL,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_read_positi_user_id_8ba06c" UNIQUE ("user_id", "room_type", "room_id")
);
COMMENT ON COLUMN "read_positions"."last_read_id" IS 'The newest message read.';
COMMENT ON COLUMN "read_positions"."read_count" IS 'Counted messages up to last_read_id.';
COMMENT ON TABLE "read_positions" IS 'How far a member has read a room: a message, and how many counted messages are up to it.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "read_positions";
        DROP TABLE IF EXISTS "read_rooms";
        DROP TABLE IF EXISTS "read_tombstones";"""


MODELS_STATE = (
    "eJztWOtv0zAQ/1esfAEkmKZubGPfynhViIG2Dj6wKXKTaxI1sYvtUCq0/507O2keLaVFjA"
    "XRL1VzD/v8u/M9/N1TwENfG25g7wL/fpA6MYkU3in77gmeAf75qcxj5vHptClBRMNHaaU4"
    "LcS1lR9po3hgkDvmqQYkhaADlUyLXb03coYsxTjLIBuBYjHXjBZCipIyO7UcrXmEylyELE"
    "aFjIs5C2QuDIQlVzOugOVTZiRLzB7tHsoAt09EdJcbXYtr8UklxoBgsxh/TAzlFhlXE20J"
    "tIPdza09mjPgQVwuSSJzpgE5D+kXTXa612Iuc8XkTFQrFFtbRqH/yB43F8mXHHwjI8D1FB"
    "7682cv1/gPmaTum/kUFh9J6N3c4EciQvgGmsTpczrxxwmkYSMkUBZZlu4WQdrzJBoI88rK"
    "EtgjP5BpnolKfjo3sRQLhUQYokYgQGHo0A5G5RQTIk/TIojKMHGHqUSclTWdEMY8TymySN"
    "sZUNE83z9/P/QvXw5931uKulKjFh8FKcDAxYhFU7UFICITnjzr9Q4Ojnv7B0cnTw+Pj5+e"
    "7J+grLV3mXV864yp0HJLWcwGrwfnQzJI4rVwt4YIt1aHG+60rDNqF7Luu6YTzmKuVrugod"
    "TyBB6x7YkS93WuKAmVL6pL/TeckfFvfgoiMjF+Hh2uwflj/+LsTf/i4dHhoybY5wWnZ1kE"
    "ewvmVZF+dTV4sQbklcGe50m4R4r/INBrgLWoHhxZVDHTm0hZpoWoBWfKtfFtSdg2e7Q1f5"
    "1H7g9Ub4jZXcAMtFlkczJ9qQDdf4JpVXhb1rZzTFOv0245axdtVzXrodVpF1Hd3jIZ1VR2"
    "yQjhpG5mPFlZUcuuqAntK6kgicRbmFuAB2gHF8GqAkr6e1fFIv8moBW16qkUny2av3o44c"
    "lDSMG4lqN/edZ/8dKz+I54MJlxFfoNoIkje7JFWcgus7Je1qZwgdc2LE5BNrfGkgssvd6a"
    "scXyNxtZqIpvMa7YoaAaBlxnTtNEjM25TjBi3MhAXfwIIi5a8wSND0ZmuJcUoFdPKnewx8"
    "rxYDcW7MaCbo4FtrGyYT/BhR9oRsfetGTvJoWuF+c6nEWe+52OdEm1003puzKhY1pW0Ejk"
    "gCVUyazTPanrAX5rclhS7bSf3o8ZWkfr0NsdVVBWHMC5rNNeqofTdk5qa3baR1Qexomqjd"
    "2F+Z1zztIccr+N87BsC9d1z5XQZi101Wtu1kf326/qzQuG7RyfgGByPLZX0Apr/GSzWMJX"
    "+3ofMiGNexFf9d5/Jzts3kM/rmrTrqPu0m38fzvq3UN714D+s+3ztrmjqdflYt/BNHKvRf"
    "32B4IDKu0="
)
