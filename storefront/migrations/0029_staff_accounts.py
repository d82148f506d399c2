"""The back office's staff: accounts (per brand, with a role), server-side sessions, password-reset links.

Hand-written. Tokens are stored as SHA-256 hex (64 characters), unique, since a request finds its
session or reset link by it. Every foreign key leads an index; index fields are column names.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storefront.ids import new_id


def _fk(model: str, column: str, related: str, *, null: bool = False) -> fields.ForeignKeyField:  # type: ignore[type-arg]
    return fields.ForeignKeyField(
        model,
        source_field=column,
        db_constraint=True,
        to_field='id',
        related_name=related,
        null=null,
        on_delete=OnDelete.CASCADE,
    )


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0028_dated_pickup')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StaffAccount',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', _fk('stallkit.Brand', 'brand_id', 'staff_accounts')),
                ('email', fields.CharField(max_length=254, unique=True)),
                ('name', fields.CharField(max_length=100)),
                ('role', fields.CharField(max_length=8)),
                ('event', _fk('stallkit.Event', 'event_id', 'staff_accounts', null=True)),
                ('password_hash', fields.CharField(max_length=200)),
                ('failed_sign_ins', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('disabled', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('password_changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                'table': 'staff_account',
                'app': 'stallkit',
                'indexes': [
                    Index(fields=['brand_id', 'id'], name='staff_account_brand_page'),
                    Index(fields=['event_id'], name='staff_account_event_id'),
                ],
                'pk_attr': 'id',
            },
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffSession',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('account', _fk('stallkit.StaffAccount', 'account_id', 'sessions')),
                ('token_hash', fields.CharField(max_length=64, unique=True)),
                ('csrf_token', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                'table': 'staff_session',
                'app': 'stallkit',
                'indexes': [Index(fields=['account_id'], name='staff_session_account_id')],
                'pk_attr': 'id',
            },
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PasswordReset',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('account', _fk('stallkit.StaffAccount', 'account_id', 'password_resets')),
                ('token_hash', fields.CharField(max_length=64, unique=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                'table': 'password_reset',
                'app': 'stallkit',
                'indexes': [Index(fields=['account_id'], name='password_reset_account_id')],
                'pk_attr': 'id',
            },
            bases=['Model'],
        ),
    ]
