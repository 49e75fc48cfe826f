"""Server-side functions of the ADQL translator (schema ``adql_udf``): IVOA UDFs, HEALPix.

The SQL is a frozen copy of ``adql/pg_functions.sql`` as of this revision, so the revision
means the same thing forever; `tests/lcdb/test_migrations.py` fails when that file changes
without a new revision that installs the new text.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FUNCTIONS_SQL = r"""-- Server-side functions the ADQL translator calls (schema adql_udf).
--
-- Bad arguments raise invalid_parameter_value (SQLSTATE 22023), a data error, so the
-- service reports them as the user's mistake rather than as a server failure.
--
-- Installed by the service's migrations; every statement is idempotent (CREATE ... IF NOT
-- EXISTS / CREATE OR REPLACE) so installing twice is harmless. The translator only ever
-- emits calls to "adql_udf"."<name>", never to functions named by the user.

CREATE SCHEMA IF NOT EXISTS adql_udf;

-- RegTAP 1.1 §8: 1 if needle occurs as a word in haystack (case-insensitive, with the
-- English text-search configuration's stemming), 0 otherwise.
CREATE OR REPLACE FUNCTION adql_udf.ivo_hasword(haystack text, needle text)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN to_tsvector('english'::regconfig, coalesce(haystack, ''))
                     @@ plainto_tsquery('english'::regconfig, coalesce(needle, ''))
                THEN 1 ELSE 0 END
$$;

-- RegTAP 1.1 §8: 1 if value matches the LIKE pattern ignoring case, 0 otherwise
-- (no escape character, as in ADQL LIKE).
CREATE OR REPLACE FUNCTION adql_udf.ivo_nocasematch(value text, pattern text)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value ILIKE pattern ESCAPE '' THEN 1 ELSE 0 END
$$;

-- RegTAP 1.1 §8: 1 if item is one of the '#'-separated values of hashlist (ignoring
-- case), 0 otherwise.
CREATE OR REPLACE FUNCTION adql_udf.ivo_hashlist_has(hashlist text, item text)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN lower(item) = ANY (string_to_array(lower(hashlist), '#'))
                THEN 1 ELSE 0 END
$$;

-- 1 if the closed intervals [l1, h1] and [l2, h2] overlap, 0 otherwise.
CREATE OR REPLACE FUNCTION adql_udf.ivo_interval_overlaps(
    l1 double precision, h1 double precision, l2 double precision, h2 double precision)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN h1 >= l2 AND h2 >= l1 THEN 1 ELSE 0 END
$$;

-- ADQL RAND(seed): the first call in a transaction with a new seed reseeds the generator,
-- so one query gets a repeatable sequence for a given seed.
CREATE OR REPLACE FUNCTION adql_udf.rand(seed bigint)
RETURNS double precision LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED AS $$
BEGIN
    IF current_setting('adql_udf.rand_seed', true) IS DISTINCT FROM seed::text THEN
        PERFORM setseed((seed % 2147483647)::double precision / 2147483647.0);
        PERFORM set_config('adql_udf.rand_seed', seed::text, true);
    END IF;
    RETURN random();
END
$$;

-- Interleave the low 32 bits of v with zeros (bit i goes to bit 2i).
CREATE OR REPLACE FUNCTION adql_udf.healpix_spread_bits(v bigint)
RETURNS bigint LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    result bigint := 0;
    i integer := 0;
BEGIN
    WHILE (v >> i) > 0 LOOP
        result := result | (((v >> i) & 1) << (2 * i));
        i := i + 1;
    END LOOP;
    RETURN result;
END
$$;

-- Inverse of healpix_spread_bits: keep the even bits of v, packed.
CREATE OR REPLACE FUNCTION adql_udf.healpix_compress_bits(v bigint)
RETURNS bigint LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    result bigint := 0;
    i integer := 0;
BEGIN
    WHILE (v >> (2 * i)) > 0 LOOP
        result := result | (((v >> (2 * i)) & 1) << i);
        i := i + 1;
    END LOOP;
    RETURN result;
END
$$;

-- Nested-scheme HEALPix index of (ra, dec) in degrees at order hpxorder (0..29), following
-- the reference algorithm of HEALPix C++ (T_Healpix_Base::loc2pix).
CREATE OR REPLACE FUNCTION adql_udf.ivo_healpix_index(
    hpxorder bigint, ra_deg double precision, dec_deg double precision)
RETURNS bigint LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    nside bigint;
    z double precision := sin(radians(dec_deg));
    sth double precision := cos(radians(dec_deg));
    za double precision := abs(sin(radians(dec_deg)));
    tt double precision;
    temp1 double precision;
    temp2 double precision;
    tp double precision;
    tmp double precision;
    jp bigint;
    jm bigint;
    ifp bigint;
    ifm bigint;
    ntt bigint;
    face bigint;
    ix bigint;
    iy bigint;
BEGIN
    IF hpxorder < 0 OR hpxorder > 29 THEN
        RAISE EXCEPTION 'HEALPix order must be between 0 and 29, not %', hpxorder USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF dec_deg < -90 OR dec_deg > 90 THEN
        RAISE EXCEPTION 'Declination must be between -90 and 90, not %', dec_deg USING ERRCODE = 'invalid_parameter_value';
    END IF;
    nside := 1::bigint << hpxorder::integer;
    tt := ra_deg / 90.0;  -- in units of quarter turns, exact for multiples of 90 degrees
    tt := tt - 4 * floor(tt / 4);
    IF tt >= 4 THEN
        tt := 0;
    END IF;
    IF za <= 2.0 / 3.0 THEN
        temp1 := nside * (0.5 + tt);
        temp2 := nside * (z * 0.75);
        jp := floor(temp1 - temp2)::bigint;
        jm := floor(temp1 + temp2)::bigint;
        ifp := jp >> hpxorder::integer;
        ifm := jm >> hpxorder::integer;
        IF ifp = ifm THEN
            face := ifp | 4;
        ELSIF ifp < ifm THEN
            face := ifp;
        ELSE
            face := ifm + 8;
        END IF;
        ix := jm & (nside - 1);
        iy := nside - (jp & (nside - 1)) - 1;
    ELSE
        ntt := least(3, floor(tt)::bigint);
        tp := tt - ntt;
        IF za < 0.99 THEN
            tmp := nside * sqrt(3 * (1 - za));
        ELSE
            tmp := nside * sth / sqrt((1 + za) / 3);
        END IF;
        jp := least(floor(tp * tmp)::bigint, nside - 1);
        jm := least(floor((1 - tp) * tmp)::bigint, nside - 1);
        IF z >= 0 THEN
            face := ntt;
            ix := nside - jm - 1;
            iy := nside - jp - 1;
        ELSE
            face := ntt + 8;
            ix := jp;
            iy := jm;
        END IF;
    END IF;
    RETURN (face << (2 * hpxorder::integer)) + adql_udf.healpix_spread_bits(ix)
        + (adql_udf.healpix_spread_bits(iy) << 1);
END
$$;

-- Centre (ra, dec) in degrees of nested-scheme HEALPix cell hpxindex at order hpxorder,
-- as a DALI point (double[2]); reference algorithm: T_Healpix_Base::pix2loc.
CREATE OR REPLACE FUNCTION adql_udf.ivo_healpix_center(hpxorder bigint, hpxindex bigint)
RETURNS double precision[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    jrll CONSTANT integer[] := ARRAY[2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4];
    jpll CONSTANT integer[] := ARRAY[1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7];
    nside bigint;
    npface bigint;
    fact2 double precision;
    fact1 double precision;
    face integer;
    ipf bigint;
    ix bigint;
    iy bigint;
    jr bigint;
    nr bigint;
    z double precision;
    sth double precision;
    tmp double precision;
    t bigint;
    phi double precision;
BEGIN
    IF hpxorder < 0 OR hpxorder > 29 THEN
        RAISE EXCEPTION 'HEALPix order must be between 0 and 29, not %', hpxorder USING ERRCODE = 'invalid_parameter_value';
    END IF;
    nside := 1::bigint << hpxorder::integer;
    npface := nside * nside;
    IF hpxindex < 0 OR hpxindex >= 12 * npface THEN
        RAISE EXCEPTION 'HEALPix index % is out of range for order %', hpxindex, hpxorder USING ERRCODE = 'invalid_parameter_value';
    END IF;
    fact2 := 4.0 / (12 * npface);
    fact1 := (2 * nside) * fact2;
    face := (hpxindex >> (2 * hpxorder::integer))::integer;
    ipf := hpxindex & (npface - 1);
    ix := adql_udf.healpix_compress_bits(ipf);
    iy := adql_udf.healpix_compress_bits(ipf >> 1);
    jr := (jrll[face + 1]::bigint << hpxorder::integer) - ix - iy - 1;
    IF jr < nside THEN
        nr := jr;
        tmp := (nr * nr) * fact2;
        z := 1 - tmp;
        sth := sqrt(tmp * (2 - tmp));
    ELSIF jr > 3 * nside THEN
        nr := nside * 4 - jr;
        tmp := (nr * nr) * fact2;
        z := tmp - 1;
        sth := sqrt(tmp * (2 - tmp));
    ELSE
        nr := nside;
        z := (2 * nside - jr) * fact1;
        sth := sqrt((1 - z) * (1 + z));
    END IF;
    t := jpll[face + 1] * nr + ix - iy;
    IF t < 0 THEN
        t := t + 8 * nr;
    END IF;
    IF nr = nside THEN
        phi := 0.75 * (pi() / 2) * t * fact1;
    ELSE
        phi := (0.5 * (pi() / 2) * t) / nr;
    END IF;
    phi := phi - 2 * pi() * floor(phi / (2 * pi()));
    RETURN ARRAY[degrees(phi), degrees(atan2(z, sth))];
END
$$;
"""


def upgrade() -> None:
    op.execute(FUNCTIONS_SQL)


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS adql_udf CASCADE")
