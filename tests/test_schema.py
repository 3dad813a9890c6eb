"""The schema module is consistent: keys name real columns, references name real tables."""

from olistseg.data.schema import TABLES, TABLES_BY_NAME, table


def test_nine_tables_with_unique_names():
    assert len(TABLES) == 9
    assert len({t.name for t in TABLES}) == 9
    assert len({t.kaggle_stem for t in TABLES}) == 9
    assert len({t.sqlite_name for t in TABLES}) == 9


def test_keys_refer_to_existing_columns_and_tables():
    for t in TABLES:
        for col in t.primary_key:
            assert col in t.column_names, (t.name, col)
            assert not t.column(col).nullable, f"{t.name}.{col} is a key and must be NOT NULL"
        for fk in t.foreign_keys:
            ref = TABLES_BY_NAME[fk.ref_table]
            assert all(c in t.column_names for c in fk.columns)
            assert all(c in ref.column_names for c in fk.ref_columns)
            # referenced tables load first, so orphan counts can run after each load
            assert TABLES.index(ref) < TABLES.index(t)


def test_only_geolocation_is_optional():
    assert [t.name for t in TABLES if not t.required] == ["geolocation"]


def test_unknown_table_names_the_known_ones():
    try:
        table("nope")
    except KeyError as exc:
        assert "orders" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected KeyError")
