from uuid import uuid4

from sanic_chat.messages.caches import MemberSets


def joined(ids):
    return ",".join(str(user_id) for user_id in ids)


def test_a_members_text_becomes_the_set_of_its_ids():
    ids = [uuid4() for _ in range(3)]
    assert MemberSets().get(joined(ids)) == frozenset(ids)
    assert MemberSets().get("") == frozenset()


def test_the_same_text_gives_the_same_set_and_a_changed_one_a_new_set():
    sets = MemberSets()
    ids = [uuid4() for _ in range(3)]
    first = sets.get(joined(ids))
    assert sets.get(joined(ids)) is first
    newcomer = uuid4()
    assert sets.get(joined([*ids, newcomer])) == frozenset([*ids, newcomer])


def test_the_least_recently_used_sets_go_once_too_many_ids_are_held():
    sets = MemberSets()
    sets.MAX_IDS = 4
    old, recent, new = (joined([uuid4(), uuid4()]) for _ in range(3))
    kept = sets.get(old)
    dropped = sets.get(recent)
    assert sets.get(old) is kept  # now the most recently used
    sets.get(new)  # six ids held: the least recently used set goes
    assert sets.get(old) is kept
    assert sets.get(recent) is not dropped  # built again
