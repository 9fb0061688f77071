"""moltdb driven by the stock Python clients users have.

Run by tests/clients.rs against a freshly started server: MOLTDB_HOST / MOLTDB_PORT say where.
Each test uses its own database, so the order of the tests does not matter.
"""

import datetime
import decimal
import hashlib
import os
import unittest

import MySQLdb
import mysql.connector
import pymysql
import sqlalchemy
from sqlalchemy import orm

HOST = os.environ.get("MOLTDB_HOST", "127.0.0.1")
PORT = int(os.environ.get("MOLTDB_PORT", "4000"))


def fresh_database(name):
    conn = pymysql.connect(host=HOST, port=PORT, user="root", password="", autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    conn.close()


def rows(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    result = cur.fetchall()
    cur.close()
    return [tuple(r) for r in result]


class Transactions(unittest.TestCase):
    """Drivers decide from the server's status flags whether they must turn autocommit off."""

    def check_rollback(self, connect, db):
        fresh_database(db)
        conn = connect(db)
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))")
        conn.commit()
        cur.execute("INSERT INTO t VALUES (1, 'kept')")
        conn.commit()
        cur.execute("INSERT INTO t VALUES (2, 'dropped')")
        cur.execute("UPDATE t SET v = 'changed' WHERE id = 1")
        conn.rollback()
        self.assertEqual(rows(conn, "SELECT id, v FROM t ORDER BY id"), [(1, "kept")])
        conn.close()

    def test_pymysql_rolls_back(self):
        def connect(db):
            conn = pymysql.connect(host=HOST, port=PORT, user="root", password="", database=db)
            self.assertFalse(conn.get_autocommit())
            return conn

        # The server's greeting says autocommit is on.
        probe = pymysql.connect(host=HOST, port=PORT, user="root", password="", autocommit=None)
        self.assertTrue(probe.get_autocommit())
        probe.close()
        self.check_rollback(connect, "py_tx_pymysql")

    def test_mysqlclient_rolls_back(self):
        self.check_rollback(
            lambda db: MySQLdb.connect(host=HOST, port=PORT, user="root", passwd="", db=db),
            "py_tx_mysqlclient",
        )

    def test_mysql_connector_rolls_back(self):
        self.check_rollback(
            lambda db: mysql.connector.connect(
                host=HOST, port=PORT, user="root", password="", database=db, use_pure=True
            ),
            "py_tx_connector",
        )

    def test_sqlalchemy_session_rolls_back(self):
        fresh_database("py_tx_orm")
        engine = sqlalchemy.create_engine(f"mysql+pymysql://root@{HOST}:{PORT}/py_tx_orm")

        class Base(orm.DeclarativeBase):
            pass

        class Item(Base):
            __tablename__ = "items"
            id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
            name = sqlalchemy.Column(sqlalchemy.String(20))

        Base.metadata.create_all(engine)
        with orm.Session(engine) as session:
            session.add(Item(id=1, name="kept"))
            session.commit()
            session.add(Item(id=2, name="dropped"))
            session.flush()
            session.rollback()
        with orm.Session(engine) as session:
            self.assertEqual([i.name for i in session.query(Item).order_by(Item.id)], ["kept"])
        engine.dispose()


class FoundRows(unittest.TestCase):
    """CLIENT_FOUND_ROWS: an UPDATE reports the rows it matched, as ORMs expect."""

    def test_no_op_update_counts_matched_rows_only_when_asked(self):
        fresh_database("py_found_rows")
        plain = pymysql.connect(
            host=HOST, port=PORT, user="root", password="", database="py_found_rows",
            autocommit=True,
        )
        found = pymysql.connect(
            host=HOST, port=PORT, user="root", password="", database="py_found_rows",
            autocommit=True, client_flag=pymysql.constants.CLIENT.FOUND_ROWS,
        )
        cur = plain.cursor()
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        cur.execute("INSERT INTO t VALUES (1, 5), (2, 5), (3, 6)")
        self.assertEqual(cur.execute("UPDATE t SET v = 5 WHERE id <= 2"), 0)
        self.assertEqual(found.cursor().execute("UPDATE t SET v = 5 WHERE id <= 2"), 2)
        self.assertEqual(found.cursor().execute("UPDATE t SET v = 7 WHERE id >= 2"), 2)
        self.assertEqual(cur.execute("UPDATE t SET v = 7 WHERE id >= 2"), 0)
        plain.close()
        found.close()


class Connect(unittest.TestCase):
    def test_mysql_connector_without_a_database(self):
        conn = mysql.connector.connect(host=HOST, port=PORT, user="root", password="", use_pure=True)
        self.assertEqual(rows(conn, "SELECT DATABASE()"), [(None,)])
        conn.close()

    def test_wrong_password_is_1045(self):
        for connect in (
            lambda: pymysql.connect(host=HOST, port=PORT, user="root", password="nope"),
            lambda: MySQLdb.connect(host=HOST, port=PORT, user="root", passwd="nope"),
        ):
            with self.assertRaises(Exception) as caught:
                connect()
            self.assertEqual(caught.exception.args[0], 1045)


class Charsets(unittest.TestCase):
    """A latin1 client's text is decoded on the way in and re-encoded on the way out."""

    def test_latin1_clients_read_and_write_text(self):
        fresh_database("py_latin1")
        utf8 = pymysql.connect(host=HOST, port=PORT, user="root", password="", database="py_latin1",
                               autocommit=True, charset="utf8mb4")
        cur = utf8.cursor()
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20))")
        cur.execute("INSERT INTO t VALUES (1, %s)", ("\u00e9t\u00e9 \u20ac",))
        for connect in (
            lambda: pymysql.connect(host=HOST, port=PORT, user="root", password="", database="py_latin1",
                                    autocommit=True, charset="latin1"),
            lambda: MySQLdb.connect(host=HOST, port=PORT, user="root", passwd="", db="py_latin1",
                                    autocommit=True, charset="latin1"),
        ):
            conn = connect()
            self.assertEqual(rows(conn, "SELECT @@character_set_client, @@character_set_results"),
                             [("latin1", "latin1")])
            self.assertEqual(rows(conn, "SELECT s FROM t WHERE id = 1"), [("\u00e9t\u00e9 \u20ac",)])
            latin1_cur = conn.cursor()
            latin1_cur.execute("REPLACE INTO t VALUES (2, %s)", ("na\u00efve",))
            latin1_cur.close()
            # Stored as UTF-8: a utf8mb4 client reads the same text, HEX shows its bytes.
            self.assertEqual(rows(utf8, "SELECT s, HEX(s) FROM t WHERE id = 2"), [("na\u00efve", "6E61C3AF7665")])
            conn.close()
        # mysql-connector's prepared statements send text parameters in latin1 too.
        conn = mysql.connector.connect(host=HOST, port=PORT, user="root", password="",
                                       database="py_latin1", charset="latin1", autocommit=True)
        prepared = conn.cursor(prepared=True)
        prepared.execute("INSERT INTO t VALUES (%s, %s)", (4, "gar\u00e7on"))
        prepared.execute("SELECT s FROM t WHERE id = %s", (4,))
        self.assertEqual([tuple(r) for r in prepared.fetchall()], [("gar\u00e7on",)])
        prepared.close()
        conn.close()
        self.assertEqual(rows(utf8, "SELECT HEX(s) FROM t WHERE id = 4"), [("676172C3A76F6E",)])
        # A character latin1 cannot hold arrives as '?', as MySQL sends it.
        cur.execute("INSERT INTO t VALUES (3, %s)", ("\u65e5",))
        conn = pymysql.connect(host=HOST, port=PORT, user="root", password="", database="py_latin1",
                               charset="latin1")
        self.assertEqual(rows(conn, "SELECT s FROM t WHERE id = 3"), [("?",)])
        conn.close()
        utf8.close()


class BinaryData(unittest.TestCase):
    """bytes parameters arrive as string literals holding raw bytes (mysqlclient sends them
    without escaping anything but quotes and backslashes), and BIT columns come back as bytes."""

    def test_every_byte_round_trips_through_each_driver(self):
        fresh_database("py_binary")
        data = bytes(range(256)) + b"'\\\"\x00"
        for i, connect in enumerate((
            lambda: pymysql.connect(host=HOST, port=PORT, user="root", password="", database="py_binary",
                                    autocommit=True),
            lambda: MySQLdb.connect(host=HOST, port=PORT, user="root", passwd="", db="py_binary",
                                    autocommit=True),
            lambda: MySQLdb.connect(host=HOST, port=PORT, user="root", passwd="", db="py_binary",
                                    autocommit=True, binary_prefix=True),
        )):
            conn = connect()
            cur = conn.cursor()
            cur.execute("CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, v BLOB, b BIT(16))")
            cur.execute("INSERT INTO t VALUES (%s, %s, %s)", (i, data, 258))
            cur.execute("SELECT v, b, b + 0 FROM t WHERE v = %s AND id = %s", (data, i))
            self.assertEqual([tuple(r) for r in cur.fetchall()], [(data, b"\x01\x02", 258)])
            conn.close()


class SessionStatements(unittest.TestCase):
    """What PyMySQL users send besides DML: server-side PREPARE, user variables, FOUND_ROWS,
    time zones, temporary tables, index hints, views."""

    def connect(self):
        return pymysql.connect(host=HOST, port=PORT, user="root", password="", database="py_session",
                               autocommit=True)

    def test_session_statements(self):
        fresh_database("py_session")
        a, b = self.connect(), self.connect()
        cur = a.cursor()
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT, KEY iv (v), "
                    "ts DATETIME DEFAULT '2000-01-01 00:00:00' ON UPDATE CURRENT_TIMESTAMP)")
        cur.execute("INSERT INTO t (id, v) VALUES (1, 10), (2, 20), (3, 30)")
        cur.execute("PREPARE s FROM 'SELECT v FROM t WHERE id = ?'")
        cur.execute("SET @id := 2")
        cur.execute("EXECUTE s USING @id")
        self.assertEqual(cur.fetchall(), ((20,),))
        cur.execute("DEALLOCATE PREPARE s")
        cur.execute("SELECT SQL_CALC_FOUND_ROWS id FROM t ORDER BY id LIMIT 1")
        self.assertEqual(cur.fetchall(), ((1,),))
        self.assertEqual(rows(a, "SELECT FOUND_ROWS()"), [(3,)])
        cur.execute("SET time_zone = '+05:00'")
        self.assertEqual(rows(a, "SELECT TIMESTAMPDIFF(HOUR, UTC_TIMESTAMP(), NOW())"), [(5,)])
        cur.execute("UPDATE t SET v = 11 WHERE id = 1")
        self.assertEqual(rows(a, "SELECT ts > '2020-01-01' FROM t ORDER BY id"), [(1,), (0,), (0,)])
        # Temporary tables are the connection's own.
        cur.execute("CREATE TEMPORARY TABLE scratch (x INT)")
        cur.execute("INSERT INTO scratch VALUES (1)")
        with self.assertRaises(pymysql.err.ProgrammingError) as caught:
            rows(b, "SELECT * FROM scratch")
        self.assertEqual(caught.exception.args[0], 1146)
        self.assertEqual(rows(a, "SELECT COUNT(*) FROM scratch"), [(1,)])
        # Index hints: a missing index is an error, a present one is used.
        with self.assertRaises(pymysql.err.OperationalError) as caught:
            rows(a, "SELECT * FROM t FORCE INDEX (nope)")
        self.assertEqual(caught.exception.args[0], 1176)
        self.assertEqual(rows(a, "SELECT id FROM t FORCE INDEX (iv) WHERE v = 30"), [(3,)])
        # A view another connection reads.
        cur.execute("CREATE VIEW big AS SELECT id, v FROM t WHERE v > 15")
        self.assertEqual(rows(b, "SELECT * FROM big ORDER BY id"), [(2, 20), (3, 30)])
        a.close()
        b.close()


# One row of every parameter type the drivers send in the binary protocol.
def sample_rows(n):
    out = []
    for i in range(n):
        out.append(
            (
                i,
                -(i * 1_000_003) if i % 2 else i * 7,
                (i * 2**40) % 2**63,
                f"name-{i}-" + "x" * (i % 50),
                i / 7.0,
                decimal.Decimal(f"{i}.{i % 100:02d}"),
                datetime.date(2000 + i % 30, 1 + i % 12, 1 + i % 28),
                datetime.datetime(2020, 1 + i % 12, 1 + i % 28, i % 24, i % 60, i % 60),
                bytes([i % 128, 0, 10]),
                None if i % 3 == 0 else f"opt{i}",
            )
        )
    return out


CREATE_TYPES = (
    "CREATE TABLE t (id INT PRIMARY KEY, i BIGINT, u BIGINT UNSIGNED, s VARCHAR(80), "
    "f DOUBLE, d DECIMAL(10,2), day DATE, dt DATETIME, b VARBINARY(10), n VARCHAR(10))"
)


def table_digest(conn):
    digest = hashlib.sha256()
    for row in rows(conn, "SELECT * FROM t ORDER BY id"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


class LoadDataLocal(unittest.TestCase):
    """LOAD DATA LOCAL INFILE from drivers that send the file when asked."""

    def load(self, conn, path):
        cur = conn.cursor()
        cur.execute(
            f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE loads.t "
            "FIELDS TERMINATED BY ',' ENCLOSED BY '\"' LINES TERMINATED BY '\\n' "
            "IGNORE 1 LINES (id, @skip, name)"
        )
        count = cur.rowcount
        cur.close()
        return count

    def fresh_table(self):
        """A fresh `loads.t`, and an autocommit PyMySQL connection that sends files."""
        fresh_database("loads")
        conn = pymysql.connect(
            host=HOST, port=PORT, user="root", autocommit=True, local_infile=True
        )
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE loads.t (id INT PRIMARY KEY, name VARCHAR(40))")
        return conn

    def csv_file(self, lines):
        """A CSV file of a header line and `lines` (the caller removes it)."""
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("id,skip,name\n")
            f.writelines(lines)
            return f.name

    def test_pymysql_and_mysqlclient_send_the_file(self):
        conn = self.fresh_table()
        path = self.csv_file(f'{i},x,"name, {i}"\n' for i in range(1, 2001))
        self.assertEqual(self.load(conn, path), 2000)
        self.assertEqual(rows(conn, "SELECT COUNT(*), MAX(name) FROM loads.t"), [(2000, "name, 999")])
        with conn.cursor() as cur:
            cur.execute("DELETE FROM loads.t")
        conn = MySQLdb.connect(host=HOST, port=PORT, user="root", local_infile=1)
        conn.autocommit(True)
        self.assertEqual(self.load(conn, path), 2000)
        self.assertEqual(rows(conn, "SELECT id, name FROM loads.t WHERE id = 7"), [(7, "name, 7")])
        os.unlink(path)

    def test_a_big_file_streams_and_a_failed_load_still_takes_the_file(self):
        conn = self.fresh_table()
        # Many packets' worth of rows, the last one too long for its column: with LOCAL
        # that is a warning (MySQL: LOCAL implies IGNORE, as the client sends regardless).
        lines = [f'{i},x,"name {i}"\n' for i in range(1, 50001)]
        lines.append('50001,x,"' + "y" * 100 + '"\n')
        path = self.csv_file(lines)
        self.assertEqual(self.load(conn, path), 50001)
        self.assertEqual(
            rows(conn, "SHOW WARNINGS"),
            [("Warning", 1265, "Data truncated for column 'name' at row 50001")],
        )
        self.assertEqual(
            rows(conn, "SELECT COUNT(*), LENGTH(MAX(name)) FROM loads.t"), [(50001, 40)]
        )
        # A statement that fails before reading a byte: the client's file is still taken
        # off the wire, and the connection goes on.
        with self.assertRaises(pymysql.err.ProgrammingError) as failed:
            with conn.cursor() as cur:
                cur.execute(f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE loads.nope")
        self.assertEqual(failed.exception.args[0], 1146)
        self.assertEqual(rows(conn, "SELECT 1 + 1"), [(2,)])
        os.unlink(path)


class PreparedStatements(unittest.TestCase):
    """Server-side prepared statements executed many times load exactly what text does."""

    def load(self, db, prepared):
        fresh_database(db)
        conn = mysql.connector.connect(
            host=HOST, port=PORT, user="root", password="", database=db, use_pure=True
        )
        cur = conn.cursor(prepared=prepared)
        cur.execute(CREATE_TYPES)
        for row in sample_rows(300):
            cur.execute("INSERT INTO t VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", row)
        conn.commit()
        # Read back through the same kind of cursor, one point select per row.
        for row in sample_rows(300)[::37]:
            cur.execute("SELECT id, s, n FROM t WHERE id = %s", (row[0],))
            got = cur.fetchall()
            self.assertEqual([tuple(r) for r in got], [(row[0], row[3], row[9])])
        cur.close()
        digest = table_digest(conn)
        count = rows(conn, "SELECT COUNT(*) FROM t")[0][0]
        conn.close()
        return count, digest

    def test_prepared_load_equals_text_load(self):
        text = self.load("py_ps_text", prepared=False)
        prepared = self.load("py_ps_prepared", prepared=True)
        self.assertEqual(text[0], 300)
        self.assertEqual(prepared, text)


if __name__ == "__main__":
    unittest.main(verbosity=2)


class Accounts(unittest.TestCase):
    """Accounts of both auth plugins log in through every driver; a reader of one database
    gets MySQL's 1142 / 1044 for anything else."""

    @classmethod
    def setUpClass(cls):
        fresh_database("acct")
        conn = pymysql.connect(host=HOST, port=PORT, user="root", password="", autocommit=True)
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE acct.t (id INT PRIMARY KEY, v VARCHAR(10))")
            cur.execute("INSERT INTO acct.t VALUES (1, 'one')")
            for user in ("py_native", "py_sha"):
                cur.execute(f"DROP USER IF EXISTS {user}")
            cur.execute("CREATE USER py_native IDENTIFIED BY 'n-pw'")
            cur.execute("CREATE USER py_sha IDENTIFIED WITH caching_sha2_password BY 's-pw'")
            cur.execute("GRANT SELECT ON acct.* TO py_native, py_sha")
        conn.close()

    def connectors(self, user, password):
        return {
            "pymysql": lambda: pymysql.connect(host=HOST, port=PORT, user=user, password=password),
            "mysqlclient": lambda: MySQLdb.connect(host=HOST, port=PORT, user=user, passwd=password),
            "mysql-connector": lambda: mysql.connector.connect(
                host=HOST, port=PORT, user=user, password=password, use_pure=True
            ),
        }

    def test_both_plugins_log_in_with_every_driver(self):
        for user, password in (("py_native", "n-pw"), ("py_sha", "s-pw")):
            for name, connect in self.connectors(user, password).items():
                with self.subTest(user=user, driver=name):
                    conn = connect()
                    self.assertEqual(rows(conn, "SELECT CURRENT_USER()"), [(f"{user}@%",)])
                    self.assertEqual(rows(conn, "SELECT v FROM acct.t"), [("one",)])
                    conn.close()
            for name, connect in self.connectors(user, "wrong").items():
                with self.subTest(user=user, driver=name, password="wrong"):
                    with self.assertRaises(Exception) as caught:
                        connect()
                    self.assertEqual(caught.exception.args[0], 1045)

    def test_a_reader_is_refused_writes_and_other_databases(self):
        for name, connect in self.connectors("py_native", "n-pw").items():
            with self.subTest(driver=name):
                conn = connect()
                cur = conn.cursor()
                with self.assertRaises(Exception) as caught:
                    cur.execute("INSERT INTO acct.t VALUES (2, 'two')")
                self.assertEqual(caught.exception.args[0], 1142)
                self.assertIn("INSERT command denied to user 'py_native'@'%' for table 't'",
                              str(caught.exception))
                with self.assertRaises(Exception) as caught:
                    cur.execute("CREATE DATABASE acct_other")
                self.assertEqual(caught.exception.args[0], 1044)
                cur.close()
                conn.close()
