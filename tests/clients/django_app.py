"""moltdb driven by Django's ORM as an application would use it.

Run by tests/clients.rs against a freshly started server (MOLTDB_HOST / MOLTDB_PORT): Django
connects through mysqlclient, probes the server (version, time zone tables), migrates
contrib.auth and contenttypes (CREATE TABLE, ALTER TABLE ... ADD CONSTRAINT ... FOREIGN
KEY, CREATE INDEX), then creates, filters and updates rows, with case-sensitive lookups
(`LIKE BINARY`) and nested atomic blocks (savepoints) that roll back. The foreign keys the
migrations added are enforced, and have the index MySQL gives them (Django relies on it).
The schema editor adds a field with a default (ADD COLUMN ... DEFAULT, then ALTER COLUMN
... DROP DEFAULT) and gives it a database default (ALTER COLUMN ... SET DEFAULT).
"""

import os
import unittest

import django
import MySQLdb
from django.conf import settings

HOST = os.environ.get("MOLTDB_HOST", "127.0.0.1")
PORT = int(os.environ.get("MOLTDB_PORT", "4000"))

conn = MySQLdb.connect(host=HOST, port=PORT, user="root", passwd="")
conn.cursor().execute("DROP DATABASE IF EXISTS django_app")
conn.cursor().execute("CREATE DATABASE django_app")
conn.close()

settings.configure(
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": "django_app",
            "USER": "root",
            "PASSWORD": "",
            "HOST": HOST,
            "PORT": str(PORT),
        }
    },
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    USE_TZ=True,
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()

from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import IntegrityError, connection, models, transaction  # noqa: E402

call_command("migrate", verbosity=0)


class Doc(models.Model):
    """A model with a JSONField, its table made by the schema editor."""

    data = models.JSONField()

    class Meta:
        app_label = "contenttypes"


class Note(models.Model):
    """A model the schema editor changes as migrations would (AddField, AlterField)."""

    title = models.CharField(max_length=20)

    class Meta:
        app_label = "contenttypes"


with connection.schema_editor() as editor:
    editor.create_model(Doc)
    editor.create_model(Note)


class DjangoOrm(unittest.TestCase):
    def test_migrations_made_the_tables_and_foreign_keys(self):
        tables = connection.introspection.table_names()
        for t in ["auth_user", "auth_group", "auth_permission", "django_content_type"]:
            self.assertIn(t, tables)
        with connection.cursor() as cur:
            constraints = connection.introspection.get_constraints(cur, "auth_permission")
        fks = [c for c in constraints.values() if c["foreign_key"]]
        self.assertEqual([c["foreign_key"] for c in fks], [("django_content_type", "id")])
        # contrib.auth's post-migrate signal created the default permissions.
        self.assertGreater(Permission.objects.count(), 0)

    def test_crud_and_case_sensitive_lookups(self):
        User.objects.create_user("Alice", "alice@example.com", "pw")
        User.objects.create_user("alicia", "alicia@example.com", "pw")
        self.assertEqual(
            sorted(User.objects.filter(username__contains="lic").values_list("username", flat=True)),
            ["Alice", "alicia"],
        )
        # LIKE BINARY: exact case, and the rest of the WHERE still applies.
        self.assertEqual(
            list(
                User.objects.filter(username__startswith="A", is_active=True).values_list(
                    "username", flat=True
                )
            ),
            ["Alice"],
        )
        self.assertEqual(User.objects.filter(username__startswith="A", is_active=False).count(), 0)
        # istartswith is a plain LIKE: under TiDB's default collation, utf8mb4_bin, it is
        # case-sensitive too (MySQL's utf8mb4_0900_ai_ci would match both).
        self.assertEqual(
            list(User.objects.filter(username__istartswith="a").values_list("username", flat=True)),
            ["alicia"],
        )
        User.objects.filter(username="alicia").update(first_name="Ali")
        self.assertEqual(User.objects.get(username="alicia").first_name, "Ali")
        User.objects.filter(username__in=["Alice", "alicia"]).delete()
        self.assertFalse(User.objects.filter(username__in=["Alice", "alicia"]).exists())

    def test_nested_atomic_blocks_roll_back_to_their_savepoints(self):
        with transaction.atomic():
            Group.objects.create(name="outer")
            try:
                with transaction.atomic():
                    Group.objects.create(name="inner")
                    Group.objects.create(name="outer")  # unique name: IntegrityError
            except IntegrityError:
                pass
            Group.objects.create(name="after")
        self.assertEqual(
            sorted(Group.objects.values_list("name", flat=True)), ["after", "outer"]
        )
        try:
            with transaction.atomic():
                Group.objects.create(name="doomed")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        self.assertFalse(Group.objects.filter(name="doomed").exists())
        Group.objects.all().delete()

    def test_foreign_keys_are_enforced(self):
        with self.assertRaises(IntegrityError):
            with transaction.atomic():
                Permission.objects.create(name="bad", codename="bad", content_type_id=987654)
        # The ORM deletes dependent rows itself; the database refuses to orphan them.
        content_type = ContentType.objects.get_for_model(Group)
        with self.assertRaises(IntegrityError):
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("DELETE FROM django_content_type WHERE id = %s", [content_type.id])
        self.assertTrue(ContentType.objects.filter(id=content_type.id).exists())
        # No index started with auth_user_groups.group_id: the constraint got one.
        with connection.cursor() as cur:
            constraints = connection.introspection.get_constraints(cur, "auth_user_groups")
        indexed = [c["columns"] for c in constraints.values() if c["index"]]
        self.assertIn(["group_id"], indexed)

    def test_many_to_many(self):
        user = User.objects.create_user("bob", "bob@example.com", "pw")
        group = Group.objects.create(name="staff")
        user.groups.add(group)
        self.assertEqual(list(group.user_set.values_list("username", flat=True)), ["bob"])
        user.delete()
        group.delete()

    def test_added_fields_and_database_defaults(self):
        Note.objects.create(title="old")
        rank = models.IntegerField(default=5)
        rank.set_attributes_from_name("rank")
        # ADD COLUMN `rank` integer DEFAULT 5 NOT NULL fills the rows there; then ALTER
        # COLUMN `rank` DROP DEFAULT, since Django gives the value itself from then on.
        with connection.schema_editor() as editor:
            editor.add_field(Note, rank)
        with connection.cursor() as cur:
            cur.execute("SELECT title, `rank` FROM contenttypes_note")
            self.assertEqual(cur.fetchall(), (("old", 5),))
            with self.assertRaises(django.db.Error) as failed:
                cur.execute("INSERT INTO contenttypes_note (title) VALUES ('raw')")
            self.assertEqual(failed.exception.args[0], 1364)
        # A default kept by the database (db_default): ALTER COLUMN ... SET DEFAULT.
        kept = models.IntegerField(db_default=9)
        kept.set_attributes_from_name("rank")
        kept.model = Note
        with connection.schema_editor() as editor:
            editor.alter_field(Note, rank, kept)
        with connection.cursor() as cur:
            cur.execute("INSERT INTO contenttypes_note (title) VALUES ('raw')")
            cur.execute("SELECT `rank` FROM contenttypes_note WHERE title = 'raw'")
            self.assertEqual(cur.fetchall(), ((9,),))

    def test_json_fields(self):
        ann = Doc.objects.create(data={"name": "ann", "age": 30, "tags": ["a", "b"]})
        Doc.objects.create(data={"name": "bob", "age": 7, "extra": None})
        Doc.objects.create(data=[1, 2])
        self.assertEqual(Doc.objects.get(pk=ann.pk).data, {"name": "ann", "age": 30, "tags": ["a", "b"]})
        self.assertEqual(list(Doc.objects.filter(data__name="ann").values_list("pk", flat=True)), [ann.pk])
        self.assertEqual(Doc.objects.filter(data__age__gt=10).count(), 1)
        self.assertEqual(Doc.objects.filter(data__has_key="extra").count(), 1)
        self.assertEqual(Doc.objects.filter(data__contains={"tags": ["b"]}).count(), 1)
        self.assertEqual(Doc.objects.filter(data__tags__0="a").count(), 1)
        self.assertEqual(
            sorted(Doc.objects.filter(data__has_key="name").values_list("data__name", flat=True)),
            ["ann", "bob"],
        )
        Doc.objects.filter(pk=ann.pk).update(data={"name": "ann", "age": 31})
        self.assertEqual(Doc.objects.get(pk=ann.pk).data["age"], 31)
        Doc.objects.all().delete()


if __name__ == "__main__":
    unittest.main(verbosity=2)
