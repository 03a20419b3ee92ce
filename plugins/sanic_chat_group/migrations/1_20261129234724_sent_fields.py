from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "group_messages" ADD "sent_fields" JSONB;
        COMMENT ON COLUMN group_messages."sent_fields" IS 'The plugins'' send fields it was sent with, those not at their default ({} when none); NULL when stored before they were kept.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "group_messages" DROP COLUMN "sent_fields";"""


MODELS_STATE = (
    "eJztmG1P4zgQx7+KlTdXJK7iyi5wt6eTSilsb6FdlXCHll1FbuKmPlI7xI5Kxfa7n+08J2"
    "2gpe1uUd5AM/bYzm/s8T/zpNke9d36hfyr/QGeNALHSPzI2PeBBl03tspnDgdO0o+pLgPG"
    "PWhyYR1ChyFhshAzPexyTImwEt9xpJGaoiMmdmLyCX7wkcGpjfgIeaLh7pswY2KhR8SiR/"
    "feGGLkWJl1YkvOrewGn7rKdnPTOTtXPeV0A8Okjj8mSW93ykeUxN19H1t16SPbbESQBzmy"
    "Uq8hVxm+b2QKViwM3PNRvFQrMVhoCH1HwtD+HPrElAyAmkn+efdXuLRUN8Po9nTjuq0bhr"
    "YEO5MSyR0TLkE9zYJxEyDKqskJWh+b/drh0Z5CQBm3PdWocGkz5Qg5DFwV9IQyx1y8fgF0"
    "awS9+aBjhxxrsdRVKEeGBHOyxSKAEaINQNXG8NFwELH5SDz+dnBQQvmfZl+BFr0UaSrORH"
    "BUumFTI2iTxBPCpockDwPyIuYz0cLxGM1HnfXM8bZC13r0Yxfpixe0esSZhqerBL7euWpf"
    "682rz3K6MWMPjuLX1NuypaGs05y1dpSLUzwI+LejfwTyEXzpddv5cxP3079ock3Q59QgdG"
    "JAK5UIImtELRN1OhGRMJbLYWmfdWayHxzl1ROXvBuG93PzlmJVhHtOPYRt8glNFeKOWAgk"
    "5rx85TPk1W8Y2sWsNYt2TmRNNqUHJ/FdmtlQ4tUt5CCuXr4vtne/09I1hXgAzfsJ9CxjAe"
    "sxGg+Qx4q0T0PH80995ED1FkXQKb1xpQZ6Q8AVPtqgKWwZoMWmcWOct0ACbfVKcm45U5HY"
    "Av2W8CxXcUYqgs+KOS0YlY2w+wFgzkAQBFBTQ+0DeXD2gAoEEANQAAmbiP7gq4YZuAUQBL"
    "MBOgQXX7W6liO8ifHnyMy7BIYcUfuW0513KfOL9ecptjuEL6FA5VbJbffwoL5Oem7yUrbl"
    "En79vdE4PDxuHBwenbx/d3z8/uTgRPRV6y02HZfk+NPORaerZy9iaSjXpf9RTFYSTRnHSj"
    "PtkmYKctVymintU2mm3KeHzHBL8ky5VDjLJWh8v6wqQXOVmN1k+qwITZ/QjAhtNa9bzbO2"
    "VtiylawvJ5o6o/OBLhb1m9erjEElIBYI1qD5JYpV9dxA/fFOXkIjqjaI6WBEuGRZlIfxyq"
    "LWrarE9VQo37xMZOhhOf6hw3oCUMwXa4iA1vI9RtXnjdiyQHxXI8aBOYLERoWPqR8fm1Sh"
    "kxKOyBzBrqPHBdFIuaxUTg5xbziBa92by0tAxYUDgmRrgRoEnI5FXqIE7b0wKmVKvX2rZ0"
    "R6VFGuXTVv9zJC/bLXvYi6pyrQrcveaT4ecXJbQv9lnF6hALcTmS3r6aqUvzjlvN3PUmTh"
    "1YKecVxDzHfnTP1MIY6YlMY4zOsrBDnrWUX5Z44yk1dbKCMLYf77utddpBkzbvkYY5OD78"
    "DB7CUackuKRRfK0XV8GxP2CxDrt0CwfoA5mEAmTeIH5qN9ITIpQ4BQDiCXihN7IJwG1J5m"
    "YDJCRLQKmfMBKB2kDEL4eEIGDdBQ/JdeUzBB4tc9cvnr5ZAMRbkcyiuf3GaRA+TlUPDVt6"
    "QcyjhVBbEc0qpgu9kKY1KoqMphi8thmTP6fIWxKtuuqWy7zSrj7H+S7iEs"
)
