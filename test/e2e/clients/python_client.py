"""Drives the embedded API server with Debian's python3-kubernetes (the official Python client).

Run by test/e2e/python-client.test.ts as: python3 python_client.py KUBECONFIG NAMESPACE.
Each check prints one line "ok <name>" (or raises, which exits non-zero with a traceback), so
the Node test can tell which step failed. Covers CRUD, paging, the status subresource, a 409 on a
stale write, and watch (the client sends watch=True).
"""
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

GROUP, VERSION, PLURAL = "ofelia.dev", "v1alpha1", "scheduleddockerjobs"


def job(name):
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "ScheduledDockerJob",
        "metadata": {"name": name, "labels": {"suite": "python"}},
        "spec": {
            "schedule": "@every 1h",
            "suspend": True,
            "run": {"image": "local/busybox:test", "command": ["echo", name]},
        },
    }


def ok(name):
    print(f"ok {name}", flush=True)


def main(kubeconfig, ns):
    config.load_kube_config(config_file=kubeconfig)
    api = client.CustomObjectsApi()
    core = client.CoreV1Api()

    names = [f"py-{i}" for i in range(5)]
    for n in names:
        created = api.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, job(n))
        assert created["metadata"]["name"] == n, created
        assert created["spec"]["concurrencyPolicy"] == "Forbid", "defaults applied by the server"
    ok("create")

    got = api.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "py-0")
    assert got["spec"]["run"]["command"] == ["echo", "py-0"], got
    ok("get")

    seen, token, pages = [], None, 0
    while True:
        kwargs = {"limit": 2, "label_selector": "suite=python"}
        if token:
            kwargs["_continue"] = token
        page = api.list_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, **kwargs)
        pages += 1
        seen += [o["metadata"]["name"] for o in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    assert seen == names and pages == 3, (seen, pages)
    ok("paging")

    patched = api.patch_namespaced_custom_object(
        GROUP, VERSION, ns, PLURAL, "py-0", {"metadata": {"labels": {"patched": "yes"}}}
    )
    assert patched["metadata"]["labels"]["patched"] == "yes", patched
    ok("patch")

    status = {"status": {"observedGeneration": 1, "counters": {"succeeded": 3}}}
    api.patch_namespaced_custom_object_status(GROUP, VERSION, ns, PLURAL, "py-0", status)
    after = api.get_namespaced_custom_object_status(GROUP, VERSION, ns, PLURAL, "py-0")
    assert after["status"]["counters"]["succeeded"] == 3, after
    spec_change = api.patch_namespaced_custom_object_status(
        GROUP, VERSION, ns, PLURAL, "py-0", {"spec": {"schedule": "@every 5m"}}
    )
    assert spec_change["spec"]["schedule"] == "@every 1h", "status writes never change spec"
    ok("status subresource")

    stale = dict(got)
    stale["spec"] = dict(got["spec"], schedule="@every 2h")
    try:
        api.replace_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "py-0", stale)
        raise AssertionError("a replace with a stale resourceVersion succeeded")
    except ApiException as e:
        assert e.status == 409, e
        assert "the object has been modified" in e.body, e.body
    current = api.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "py-0")
    current["spec"]["schedule"] = "@every 2h"
    replaced = api.replace_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "py-0", current)
    assert replaced["spec"]["schedule"] == "@every 2h", replaced
    ok("409 on a stale write")

    try:
        api.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, dict(job("py-bad"), spec={"schedule": "nope"}))
        raise AssertionError("an invalid job was accepted")
    except ApiException as e:
        assert e.status == 422, e
        assert "spec.schedule" in e.body or "spec.run" in e.body, e.body
    ok("422 with field paths")

    w = watch.Watch()
    events = []
    rv = api.list_namespaced_custom_object(GROUP, VERSION, ns, PLURAL)["metadata"]["resourceVersion"]
    api.patch_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "py-1", {"metadata": {"labels": {"w": "1"}}})
    api.delete_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "py-2")
    for event in w.stream(
        api.list_namespaced_custom_object, GROUP, VERSION, ns, PLURAL, resource_version=rv, timeout_seconds=20
    ):
        events.append((event["type"], event["object"]["metadata"]["name"]))
        if len(events) == 2:
            w.stop()
    assert events == [("MODIFIED", "py-1"), ("DELETED", "py-2")], events
    ok("watch")

    seen_ns = [n.metadata.name for n in core.list_namespace().items]
    assert ns in seen_ns, seen_ns
    ok("core api")

    for n in names:
        if n != "py-2":
            api.delete_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, n)
    left = api.list_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, label_selector="suite=python")
    assert left["items"] == [], left
    ok("delete")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
