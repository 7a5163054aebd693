"""Requests docker refuses, and how: status codes and messages of the raw API, as dockerd
answers them (hostile image archives are in test_images.py)."""
import json
import urllib.parse


def test_unknown_endpoint_is_page_not_found(api):
    for path in ("/nothing/here", "/v1.51/nothing/here", "/containers/x/nosuchaction"):
        r = api("GET", path)
        assert r.status == 404, path
        assert r.json() == {"message": "page not found"}, path
        assert r.headers.get("Api-Version") == "1.51"


def test_api_version_bounds(api):
    r = api("GET", "/v1.99/version")
    assert r.status == 400
    assert r.message == ("client version 1.99 is too new. Maximum supported API version is "
                         "1.51")
    r = api("GET", "/v1.23/version")
    assert r.status == 400
    assert r.message.startswith("client version 1.23 is too old. Minimum supported API "
                                "version is 1.24")
    for v in ("1.24", "1.40", "1.51"):
        r = api("GET", "/v%s/_ping" % v)
        assert r.status == 200 and r.body == b"OK"


def test_ping_headers(api):
    for method in ("GET", "HEAD"):
        r = api(method, "/_ping")
        assert r.status == 200
        assert r.headers["Api-Version"] == "1.51"
        assert r.headers.get("Ostype") == "linux"
        # dockerd's ping handler forbids caching (proxies between client and daemon)
        assert "no-cache" in r.headers.get("Cache-Control", "")
        assert r.headers.get("Pragma") == "no-cache"


def test_malformed_and_empty_json(api, docker):
    hdr = {"Content-Type": "application/json"}
    for body in ("{not json", "[1, 2", "\"just a string\"", "{\"Image\": \"busybox\""):
        r = api("POST", "/containers/create", body=body, headers=hdr)
        assert r.status == 400, body
        assert r.message, body
    r = api("POST", "/containers/create", body="", headers=hdr)
    assert r.status == 400
    assert docker("ps", "-aq").stdout == ""


def test_unknown_fields_are_ignored(api, docker):
    # Go's decoder ignores fields it does not know: newer clients work with older daemons
    r = api("POST", "/containers/create?name=unknownfields",
            body={"Image": "busybox", "Cmd": ["true"], "NoSuchField": {"x": 1},
                  "HostConfig": {"AlsoUnknown": True}})
    assert r.status == 201, r.body
    doc = r.json()
    assert len(doc["Id"]) == 64 and not doc["Warnings"]
    assert docker("inspect", "-f", "{{.Name}}", "unknownfields").stdout == "/unknownfields\n"


def test_unknown_container(api, docker):
    for method, path in (("GET", "/containers/nosuch/json"), ("POST", "/containers/nosuch/start"),
                         ("POST", "/containers/nosuch/stop"), ("POST", "/containers/nosuch/kill"),
                         ("POST", "/containers/nosuch/wait"), ("DELETE", "/containers/nosuch"),
                         ("GET", "/containers/nosuch/logs?stdout=1"),
                         ("GET", "/containers/nosuch/top"),
                         ("POST", "/containers/nosuch/rename?name=other")):
        r = api(method, path)
        assert r.status == 404, path
        assert r.message == "No such container: nosuch", path
    r = docker("inspect", "nosuch", check=False)
    assert r.returncode == 1 and "No such object: nosuch" in r.stderr
    r = docker("rm", "nosuch", check=False)
    assert r.returncode == 1 and "No such container: nosuch" in r.stderr


def test_name_conflict_message(api, docker):
    cid = docker("create", "--name", "taken", "busybox", "true").stdout.strip()
    r = api("POST", "/containers/create?name=taken", body={"Image": "busybox"})
    assert r.status == 409
    assert r.message == ('Conflict. The container name "/taken" is already in use by container '
                         '"%s". You have to remove (or rename) that container to be able to '
                         'reuse that name.' % cid)
    # the leading slash is optional in the request
    r = api("POST", "/containers/create?name=/taken", body={"Image": "busybox"})
    assert r.status == 409
    r = docker("run", "--name", "taken", "busybox", "true", check=False)
    assert r.returncode == 125 and "is already in use by container" in r.stderr


def test_invalid_names(api, docker):
    # docker's pattern needs two characters at least: ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$
    for name in ("bad%20name", "-leadingdash", "a/b", "%C3%A9t%C3%A9", "x"):
        r = api("POST", "/containers/create?name=" + name, body={"Image": "busybox"})
        assert r.status == 400, name
        assert "Invalid container name" in r.message, name
        assert "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" in r.message, name
    assert docker("ps", "-aq").stdout == ""


def test_invalid_reference(api, docker):
    for ref in ("bad::ref", "UPPER:case", "trailing:", "a b"):
        r = api("POST", "/containers/create", body={"Image": ref})
        assert r.status == 400, ref
        assert "invalid reference format" in r.message, ref
    r = api("POST", "/images/busybox/tag?repo=Upper&tag=x")
    assert r.status == 400 and "invalid reference format" in r.message
    r = api("POST", "/images/busybox/tag?repo=ok&tag=bad:tag")
    assert r.status == 400 and "invalid" in r.message
    r = docker("run", "--rm", "bad::ref", check=False)
    assert r.returncode == 125 and "invalid reference format" in r.stderr


def test_state_conflicts(api, docker):
    cid = docker("run", "-d", "busybox", "sleep", "30").stdout.strip()
    # starting a running container and stopping a stopped one are "not modified"
    assert api("POST", "/containers/%s/start" % cid).status == 304
    r = api("DELETE", "/containers/%s" % cid)
    assert r.status == 409 and "container is running" in r.message
    assert api("POST", "/containers/%s/stop?t=0" % cid).status == 204
    assert api("POST", "/containers/%s/stop" % cid).status == 304
    r = api("POST", "/containers/%s/kill" % cid)
    # the router wraps the daemon's error with the name the request used
    assert r.status == 409
    assert r.message.lower() == ("cannot kill container: %s: container %s is not running" %
                                 (cid, cid))
    r = api("GET", "/containers/%s/top" % cid)
    assert r.status == 409 and "is not running" in r.message


def test_bad_query_parameters(api, docker):
    cid = docker("run", "-d", "busybox", "sleep", "30").stdout.strip()
    r = api("POST", "/containers/%s/kill?signal=NOSUCHSIG" % cid)
    assert r.status == 400 and "invalid signal: nosuchsig" in r.message.lower()
    r = docker("kill", "-s", "NOSUCHSIG", cid, check=False)
    assert r.returncode != 0 and "invalid signal: nosuchsig" in r.stderr.lower()
    r = api("GET", "/containers/json?filters=%7Bnot-json")
    assert r.status == 400
    r = api("GET", "/containers/json?filters=" +
            urllib.parse.quote(json.dumps({"nosuchfilter": ["x"]})))
    assert r.status == 400 and "invalid filter 'nosuchfilter'" in r.message
    r = api("GET", "/containers/%s/logs" % cid)
    assert r.status == 400 and "you must choose at least one stream" in r.message
    assert api("GET", "/containers/%s/json" % cid).json()["State"]["Running"] is True


def test_cli_usage_errors_are_125(docker):
    r = docker("run", "--no-such-flag", "busybox", "true", check=False)
    assert r.returncode == 125 and "unknown flag: --no-such-flag" in r.stderr
    r = docker("run", "--pull", "never", "--rm", "nosuchimage:1", "true", check=False)
    assert r.returncode == 125
    assert "No such image: nosuchimage:1" in r.stderr
    assert docker("ps", "-aq").stdout == ""


def test_unimplemented_is_501_not_success(api):
    r = api("POST", "/build")
    assert r.status == 501 and r.message
