"""documents: the bytes move out of the register into the file store (`<data dir>/files/<sha256[:2]>/<sha256>`,
db/filestore.py); the table keeps what each file is, and `content` is dropped.

The data dir is the application's own (PPID_DATA_DIR through base.settings, as `ppid migrate` and `ppid dev`
see it); a caller may name another one in the Alembic config's attributes (`data_dir`), as the tests do. Every
file is written and read back before the column goes; the downgrade puts the bytes back.

Revision ID: 0008
Revises: 0007
"""

import hashlib
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

from db.filestore import FileStore

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _store() -> FileStore:
    given = context.config.attributes.get("data_dir")
    if given is not None:
        return FileStore(Path(given) / "files")
    from base.settings import get_settings

    return FileStore.of(get_settings())


def upgrade() -> None:
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM documents ORDER BY id"))]
    store = _store() if ids else None
    for document_id in ids:  # one file in memory at a time
        content = connection.execute(
            sa.text("SELECT content FROM documents WHERE id = :id"), {"id": document_id}
        ).scalar_one()
        content = bytes(content)
        assert store is not None
        sha256 = store.put(content)
        if store.get(sha256, len(content)) != content:  # pragma: no cover - a disk that lies
            raise RuntimeError(f"document {document_id}: the file store did not keep its bytes")
        connection.execute(
            sa.text("UPDATE documents SET sha256 = :sha256, size = :size WHERE id = :id"),
            {"sha256": sha256, "size": len(content), "id": document_id},
        )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("content")


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    rows = list(connection.execute(sa.text("SELECT id, sha256, size FROM documents ORDER BY id")))
    store = _store() if rows else None
    for document_id, sha256, size in rows:
        assert store is not None
        content = store.get(sha256, size)
        if hashlib.sha256(content).hexdigest() != sha256:
            raise RuntimeError(f"document {document_id}: the stored file does not match its sha256")
        connection.execute(
            sa.text("UPDATE documents SET content = :content WHERE id = :id"),
            {"content": content, "id": document_id},
        )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
