import hashlib
import json

import pytest
from airflow.sdk import Connection

from airflow_provider_jodo.enums import PasswordType, UserType
from airflow_provider_jodo.exceptions import ConnectionSettingError
from airflow_provider_jodo.hooks.connection import JodoConnectionSettings, RetryPolicy


def make(**overrides):
    fields = {
        "conn_id": "jodo_test",
        "conn_type": "jodo",
        "host": "https://jodo.example.com",
        "login": "admin",
        "password": "pass-word-1",
        "schema": "myteam",
        "extra": {"apikey": "api-key-123", "servicekey": "VoiceProcess"},
    }
    fields.update(overrides)
    fields["extra"] = json.dumps(fields["extra"])
    return JodoConnectionSettings.from_connection(Connection(**fields))


def test_defaults_and_standard_fields():
    settings = make()
    assert settings.base_url == "https://jodo.example.com"
    assert (
        settings.url(settings.process_data_path)
        == "https://jodo.example.com/CustomerWebServices/handleCustomerWS"
    )
    assert settings.url(settings.import_cji_path) == "https://jodo.example.com/setevent/importCJI"
    assert (settings.user_type, settings.password_type) == (UserType.ACCOUNT, PasswordType.PLAINTEXT)
    assert (settings.timezone, settings.verify_tls, settings.timeout) == ("UTC", True, 30.0)
    assert settings.astercc_credentials() == {
        "orgidentity": "myteam",
        "usertype": "account",
        "user": "admin",
        "pwdtype": "plaintext",
        "password": "pass-word-1",
    }


def test_bare_host_port_and_base_path():
    assert make(host="jodo.example.com", port=9443).base_url == "https://jodo.example.com:9443"
    settings = make(host="http://127.0.0.1:8080/crm/", port=9000)
    assert settings.base_url == "http://127.0.0.1:8080/crm"
    assert settings.url("/setevent/importCJI") == "http://127.0.0.1:8080/crm/setevent/importCJI"
    assert settings.url("https://other.example/status") == "https://other.example/status"


@pytest.mark.parametrize(
    ("host", "port", "base_url"),
    [
        ("http://[::1]:8765", None, "http://[::1]:8765"),  # as written in the JSON form
        ("http://::1", 8765, "http://[::1]:8765"),  # the URI form, as Airflow parses it
        ("::1", 8765, "https://[::1]:8765"),
        ("[2001:db8::7]", None, "https://[2001:db8::7]"),
        ("http://2001:db8::7/crm/", 9000, "http://[2001:db8::7]:9000/crm"),
    ],
)
def test_ipv6_hosts_keep_their_brackets(host, port, base_url):
    settings = make(host=host, port=port)
    assert settings.base_url == base_url
    assert settings.url("/setevent/importCJI") == f"{base_url}/setevent/importCJI"


def connection_from_uri(uri, conn_id):
    """The connection an `AIRFLOW_CONN_...` URI gives (the SDK's `from_uri` is new in Airflow 3.1)."""
    if hasattr(Connection, "from_uri"):
        return Connection.from_uri(uri, conn_id=conn_id)
    from airflow.models.connection import Connection as ConnectionModel

    return ConnectionModel(conn_id=conn_id, uri=uri)


def test_the_uri_form_with_an_ipv6_host():
    uri = "jodo://http://admin:pass-word-1@[::1]:8765/myteam?apikey=api-key-123&servicekey=VoiceProcess"
    settings = JodoConnectionSettings.from_connection(connection_from_uri(uri, conn_id="jodo_test"))
    assert settings.base_url == "http://[::1]:8765"
    assert (settings.org_identity, settings.user, settings.password) == ("myteam", "admin", "pass-word-1")


def test_job_page_url_from_the_base_url_or_an_absolute_path():
    assert make().job_page_url(42) == "https://jodo.example.com/shelljobs/42"
    settings = make(host="http://127.0.0.1:8080/crm", extra={"job_page_path": "/admin/job.php?id={job_id}"})
    assert settings.job_page_url("7 8") == "http://127.0.0.1:8080/crm/admin/job.php?id=7%208"
    settings = make(extra={"job_page_path": "https://console.example/jobs/{job_id}/rows"})
    assert settings.job_page_url("9") == "https://console.example/jobs/9/rows"


def test_md5_password_and_secrets():
    settings = make(extra={"apikey": "api-key-123", "pwdtype": "md5", "usertype": "agent"})
    digest = hashlib.md5(b"pass-word-1").hexdigest()
    assert settings.astercc_credentials()["password"] == digest
    assert set(settings.secrets()) == {"pass-word-1", digest, "api-key-123"}
    assert "pass-word-1" not in repr(settings) and "api-key-123" not in repr(settings)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"host": None}, "has no host"),
        ({"host": "ftp://x"}, "not an http"),
        ({"extra": {"usertype": "boss"}}, "usertype='boss' is not one of"),
        ({"extra": {"timezone": "Mars/Base"}}, "timezone 'Mars/Base'"),
        ({"extra": {"verify_ssl": "maybe"}}, "verify_ssl='maybe'"),
        ({"extra": {"timeout": "0"}}, "timeout='0'"),
        ({"extra": {"verify_tls": False}}, "unknown extra field"),
        ({"extra": {"job_page_path": "/jobs/"}}, "job_page_path '/jobs/' has no {job_id}"),
        ({"extra": {"max_retries": -1}}, "max_retries=-1 is not a whole number"),
        ({"extra": {"max_retries": True}}, "max_retries=True is not a whole number"),
        ({"extra": {"max_retries": "\uff17"}}, "max_retries='\uff17' is not a whole number"),
        ({"extra": {"retry_backoff": 0}}, "retry_backoff=0 is not a positive number"),
        ({"extra": {"retry_max_seconds": "soon"}}, "retry_max_seconds='soon' is not a positive number"),
    ],
)
def test_bad_settings_name_the_field(overrides, message):
    with pytest.raises(ConnectionSettingError, match=message):
        make(**overrides)


def test_missing_credentials_are_named_only_when_needed():
    settings = make(login=None, password=None, extra={})
    with pytest.raises(ConnectionSettingError, match="has no apikey, servicekey"):
        settings.jodo_credentials()
    with pytest.raises(ConnectionSettingError, match="has no login"):
        settings.astercc_credentials()


def test_verify_ssl_opt_out_from_string():
    assert make(extra={"verify_ssl": "false"}).verify_tls is False


def test_csv_only_by_default_and_opt_out():
    assert make().csv_only is True
    assert make(extra={"csv_only": "false"}).csv_only is False
    with pytest.raises(ConnectionSettingError, match="csv_only='sometimes'"):
        make(extra={"csv_only": "sometimes"})


def test_retry_settings_default_and_override():
    assert make().retry_policy == RetryPolicy(max_retries=5, backoff=1.0, max_seconds=120.0)
    settings = make(extra={"max_retries": "0", "retry_backoff": "0.25", "retry_max_seconds": 10})
    assert settings.retry_policy == RetryPolicy(max_retries=0, backoff=0.25, max_seconds=10.0)


def test_settings_left_empty_in_the_connection_form_take_their_defaults():
    """The UI form saves an untouched extra field as null, a cleared one as ""."""
    empty = {
        name: None for name in ("usertype", "pwdtype", "timezone", "verify_ssl", "timeout", "max_retries")
    }
    paths = {name: "" for name in ("process_data_path", "import_cji_path", "import_status_path")}
    settings = make(
        extra={"apikey": "api-key-123", "servicekey": "VoiceProcess", **empty, **paths, "job_page_path": None}
    )
    assert settings == make()
