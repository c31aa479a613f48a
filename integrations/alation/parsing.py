"""Alation answers -> typed records. Public so tests and a sandbox can reuse them.

Lenient where Alation is loose (unknown fields are ignored, a bad timestamp is None, digit
strings pass for ids) but a missing or wrong-typed field the client relies on raises
`CatalogMalformedResponseError` saying which. Where the reference marks a shape unverified, both
candidates are accepted: `object` or `subject` in tag subjects, v1 (native) or v2 (OCF) data
sources, string or integer subject ids on trust flags.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from integrations.alation.records import (
    OTYPE_COLUMN,
    OTYPE_SCHEMA,
    OTYPE_TABLE,
    AccessToken,
    AlationUserToken,
    Column,
    CustomField,
    CustomFieldValue,
    DataQualityField,
    DataQualityValue,
    DataSource,
    DataSourceApi,
    Domain,
    DomainRule,
    ObjectRef,
    Schema,
    Table,
    Tag,
    TagSubject,
    TrustFlag,
)
from integrations.alation.shapes import (
    malformed,
    oid_of,
    optional_int,
    optional_str,
    require_dict,
    require_int,
    require_list,
    require_str,
    timestamp,
)

# --- Tokens ------------------------------------------------------------------------------------


def parse_refresh_token(body: Any, what: str = "the refresh-token check") -> AlationUserToken:
    body = require_dict(body, what)
    status = body.get("token_status")
    if not isinstance(status, str) or not status:
        raise malformed(what, "it has no 'token_status'")
    return AlationUserToken(
        user_id=require_int(body, "user_id", what, "the answer"),
        status=status.upper(),
        name=optional_str(body.get("name")),
        created_at=timestamp(body.get("created_at")),
        expires_at=timestamp(body.get("token_expires_at")),
        last_used_at=timestamp(body.get("last_used_at")),
    )


def parse_access_token(body: Any, what: str = "the access-token request") -> AccessToken:
    body = require_dict(body, what)
    token = body.get("api_access_token")
    if not isinstance(token, str) or not token:
        raise malformed(what, "it has no 'api_access_token'")
    return AccessToken(
        token=token,
        user_id=require_int(body, "user_id", what, "the answer"),
        status=(optional_str(body.get("token_status")) or "ACTIVE").upper(),
        created_at=timestamp(body.get("created_at")),
        expires_at=timestamp(body.get("token_expires_at")),
    )


# --- Catalog objects ---------------------------------------------------------------------------


def parse_data_source(item: Any, api: DataSourceApi | None = None) -> DataSource:
    """A data source from either listing. v1 (native) items carry dbtype/host/dbname; v2 (OCF)
    items carry a `uri` such as `mysql://host:3306/db`, from which those are read (assumed)."""
    what = "the data source listing"
    item = require_dict(item, what, "a data source")
    ds_id = require_int(item, "id", what, "a data source")
    if api is None:
        api = "v1" if "dbtype" in item else "v2"
    uri = optional_str(item.get("uri"))
    parts = urlsplit(uri.removeprefix("jdbc:")) if uri and "://" in uri else None
    dbtype = optional_str(item.get("dbtype")) or (parts.scheme if parts else None) or None
    host = optional_str(item.get("host")) or (parts.hostname if parts else None)
    dbname = optional_str(item.get("dbname")) or ((parts.path.strip("/") or None) if parts else None)
    return DataSource(
        id=ds_id,
        title=optional_str(item.get("title")) or f"data source {ds_id}",
        api=api,
        dbtype=dbtype,
        host=host,
        dbname=dbname,
        uri=uri,
        url=optional_str(item.get("url")),
    )


def parse_object_custom_fields(
    item: dict[str, Any], ref: ObjectRef, what: str
) -> tuple[CustomFieldValue, ...]:
    """The `custom_fields: [{field_id, field_name, value}]` carried on schema/table/column items."""
    raw = item.get("custom_fields") or []
    if not isinstance(raw, list):
        require_list(raw, what, f"'custom_fields' of {ref}")  # raises, naming the object
    values = []
    for entry in raw:
        # A column listing carries hundreds of thousands of these: name the object only on error.
        field_id = entry.get("field_id") if isinstance(entry, dict) else None
        if type(field_id) is not int:
            name = f"a custom field value of {ref}"
            field_id = require_int(require_dict(entry, what, name), "field_id", what, name)
        field_name = entry.get("field_name")
        values.append(
            CustomFieldValue(
                field_id=field_id,
                otype=ref.otype,
                oid=ref.oid,
                value=custom_value(entry.get("value")),
                field_name=field_name
                if isinstance(field_name, str) or field_name is None
                else str(field_name),
            )
        )
    return tuple(values)


def parse_schema(item: Any) -> Schema:
    what = "the schema listing"
    item = require_dict(item, what, "a schema")
    schema_id = require_int(item, "id", what, "a schema")
    return Schema(
        id=schema_id,
        name=require_str(item, "name", what, f"schema {schema_id}"),
        ds_id=require_int(item, "ds_id", what, f"schema {schema_id}"),
        key=require_str(item, "key", what, f"schema {schema_id}"),
        title=optional_str(item.get("title")),
        url=optional_str(item.get("url")),
        custom_fields=parse_object_custom_fields(item, ObjectRef(OTYPE_SCHEMA, schema_id), what),
    )


def parse_table(item: Any) -> Table:
    what = "the table listing"
    item = require_dict(item, what, "a table")
    table_id = require_int(item, "id", what, "a table")
    name = f"table {table_id}"
    return Table(
        id=table_id,
        name=require_str(item, "name", what, name),
        schema_id=require_int(item, "schema_id", what, name),
        ds_id=require_int(item, "ds_id", what, name),
        key=require_str(item, "key", what, name),
        table_type=optional_str(item.get("table_type")),
        title=optional_str(item.get("title")),
        schema_name=optional_str(item.get("schema_name")),
        url=optional_str(item.get("url")),
        custom_fields=parse_object_custom_fields(item, ObjectRef(OTYPE_TABLE, table_id), what),
    )


def parse_column(item: Any) -> Column:
    what = "the column listing"
    item = require_dict(item, what, "a column")
    column_id = require_int(item, "id", what, "a column")
    name = f"column {column_id}"
    return Column(
        id=column_id,
        name=require_str(item, "name", what, name),
        table_id=require_int(item, "table_id", what, name),
        ds_id=require_int(item, "ds_id", what, name),
        key=require_str(item, "key", what, name),
        column_type=optional_str(item.get("column_type")),
        schema_id=optional_int(item.get("schema_id")),
        title=optional_str(item.get("title")),
        url=optional_str(item.get("url")),
        custom_fields=parse_object_custom_fields(item, ObjectRef(OTYPE_COLUMN, column_id), what),
    )


# --- Tags --------------------------------------------------------------------------------------


def parse_tag(item: Any) -> Tag:
    what = "the tag listing"
    item = require_dict(item, what, "a tag")
    tag_id = require_int(item, "id", what, "a tag")
    return Tag(
        id=tag_id,
        name=require_str(item, "name", what, f"tag {tag_id}"),
        description=optional_str(item.get("description")) or "",
        number_of_objects_tagged=optional_int(item.get("number_of_objects_tagged")),
        url=optional_str(item.get("url")),
    )


def parse_tag_subject(item: Any) -> TagSubject:
    """`{ts_tagged, object|subject: {url, otype, id}}`: which key the server sends is unverified
    (the SDK's tests say `object`, its model `subject`), so both are read."""
    what = "the tagged-objects listing"
    item = require_dict(item, what, "a tagged object")
    ref = next((item[k] for k in ("object", "subject") if isinstance(item.get(k), dict)), None)
    if ref is None:
        raise malformed(what, "an item has neither an 'object' nor a 'subject'")
    otype = ref.get("otype")
    if not isinstance(otype, str) or not otype:
        raise malformed(what, "a tagged object has no 'otype'")
    return TagSubject(
        otype=otype.lower(),
        oid=oid_of(ref.get("id", ref.get("oid")), what, "a tagged object"),
        url=optional_str(ref.get("url")),
        ts_tagged=timestamp(item.get("ts_tagged")),
    )


# --- Custom fields -----------------------------------------------------------------------------


def _str_tuple(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),)


def parse_custom_field(item: Any) -> CustomField:
    what = "the custom field listing"
    item = require_dict(item, what, "a custom field")
    field_id = require_int(item, "id", what, "a custom field")
    allow_multiple = item.get("allow_multiple")
    return CustomField(
        id=field_id,
        name_singular=require_str(item, "name_singular", what, f"custom field {field_id}"),
        field_type=require_str(item, "field_type", what, f"custom field {field_id}").upper(),
        name_plural=optional_str(item.get("name_plural")) or "",
        allow_multiple=allow_multiple if isinstance(allow_multiple, bool) else None,
        allowed_otypes=_str_tuple(item.get("allowed_otypes")),
        builtin_name=optional_str(item.get("builtin_name")),
        options=_str_tuple(item.get("options")),
        tooltip_text=optional_str(item.get("tooltip_text")),
    )


def custom_value(value: Any) -> str | tuple[str, ...] | tuple[ObjectRef, ...] | None:
    """A string, a list of strings (multi-picker) or a list of {otype, oid} (object set)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value):
            return tuple(
                ObjectRef.of(str(v.get("otype", "")), oid_of(v.get("oid"), "a value", "an object"))
                for v in value
            )
        return tuple(str(v) for v in value)
    return str(value)


def parse_custom_field_value(item: Any) -> CustomFieldValue:
    what = "the custom field value listing"
    item = require_dict(item, what, "a value")
    otype = require_str(item, "otype", what, "a value")
    return CustomFieldValue(
        field_id=require_int(item, "field_id", what, "a value"),
        otype=otype.lower(),
        oid=oid_of(item.get("oid"), what, "a value"),
        value=custom_value(item.get("value")),
        field_name=optional_str(item.get("field_name")),
        ts_updated=timestamp(item.get("ts_updated")),
    )


# --- Data quality ------------------------------------------------------------------------------


def parse_dq_field(item: Any) -> DataQualityField:
    what = "the data quality field listing"
    item = require_dict(item, what, "a field")
    key = item.get("key", item.get("field_key"))
    if not isinstance(key, str) or not key:
        raise malformed(what, "a field has no 'key'")
    return DataQualityField(
        key=key,
        name=optional_str(item.get("name")) or key,
        type=(optional_str(item.get("type")) or "").upper(),
        description=optional_str(item.get("description")) or "",
        ts_created=timestamp(item.get("ts_created")),
    )


def parse_dq_value(item: Any) -> DataQualityValue:
    what = "the data quality value listing"
    item = require_dict(item, what, "a value")
    otype = optional_str(item.get("otype"))
    value = item.get("value_value")
    if not isinstance(value, str | int | float | bool):
        value = "" if value is None else str(value)
    return DataQualityValue(
        field_key=require_str(item, "field_key", what, "a value"),
        object_key=require_str(item, "object_key", what, "a value"),
        object_type=(otype or "").upper(),
        value=value,
        value_quality=(optional_str(item.get("value_quality")) or "").upper(),
        url=optional_str(item.get("value_external_url")),
        last_updated=timestamp(item.get("value_last_updated")),
        otype=otype.lower() if otype else None,
        oid=optional_int(item.get("oid")),
        source_object_key=optional_str(item.get("source_object_key")),
        value_id=optional_int(item.get("value_id")),
    )


# --- Trust flags, domains ----------------------------------------------------------------------


def parse_flag(item: Any, what: str = "the trust flag listing") -> TrustFlag:
    item = require_dict(item, what, "a flag")
    flag_id = require_int(item, "id", what, "a flag")
    subject = require_dict(item.get("subject"), what, f"the subject of flag {flag_id}")
    user = item.get("user") if isinstance(item.get("user"), dict) else {}
    return TrustFlag(
        id=flag_id,
        flag_type=require_str(item, "flag_type", what, f"flag {flag_id}").upper(),
        reason=optional_str(item.get("flag_reason")) or "",
        subject_otype=require_str(subject, "otype", what, f"the subject of flag {flag_id}").lower(),
        subject_oid=oid_of(subject.get("id"), what, f"the subject of flag {flag_id}"),
        user_id=optional_int(user.get("id")),
        user_name=optional_str(user.get("display_name")),
        ts_created=timestamp(item.get("ts_created")),
        ts_updated=timestamp(item.get("ts_updated")),
    )


def parse_domain(item: Any) -> Domain:
    what = "the domain listing"
    item = require_dict(item, what, "a domain")
    domain_id = require_int(item, "id", what, "a domain")
    return Domain(
        id=domain_id,
        title=optional_str(item.get("title")) or f"domain {domain_id}",
        parent_id=optional_int(item.get("parent_id")),
        description=optional_str(item.get("description")) or "",
    )


def parse_domain_rule(item: Any) -> DomainRule:
    what = "the domain membership listing"
    item = require_dict(item, what, "a membership rule")
    return DomainRule(
        domain_id=require_int(item, "domain_id", what, "a membership rule"),
        otype=require_str(item, "otype", what, "a membership rule").lower(),
        oid=oid_of(item.get("oid"), what, "a membership rule"),
        exclude=item.get("exclude") is True,
        recursive=item.get("recursive") is True,
    )
