"""Every page validates: the Nu Html Checker finds no error (issue 11).

The pages are those the demo walk visits (tests/crawl.py) as
a visitor and as each demo login, rendered by the app with the demo loaded. The
checker (vnu.jar, fetched from the npm registry by `make vnu`, run with Java)
checks all of them in one run: it takes seconds to start.
"""

import json
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from marketplace.seed.demo import demo_logins
from tests.crawl import crawl
from tests.functional import test_demo_walk as walk

pytestmark = pytest.mark.slow
demo = walk.demo  # the app with the demo loaded (a fixture)

VNU_JAR = Path(__file__).resolve().parents[2] / "build" / "vnu" / "vnu.jar"
JAVA = shutil.which("java")


def _file_name(role: str, url: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{role} {url}").strip("_")[:150] + ".html"


# Forms among the walked pages that are sent empty, to check them with errors shown.
SENT_EMPTY = re.compile(
    r"^/(register|login|me/profile|organizations/new|organizations/\d+/edit"
    r"|organizations/\d+/opportunities/new|outcomes/rounds/new"
    r"|manage/shifts/\d+/messages|me/shifts/\d+/messages)$"
)


def _demo_pages(app) -> dict[str, str]:
    """(role, url) as a file name -> the HTML, for a visitor and each demo login.

    The visitor walks in Thai and in English; each form of SENT_EMPTY is also
    sent empty, and the page that shows its errors is checked too.
    """
    pages: dict[str, str] = {}
    accounts = [
        ("visitor", None, "th"),
        ("visitor en", None, "en"),
        *((login.role, login, "th") for login in demo_logins()),
    ]
    for role, login, language in accounts:
        client = app.test_client()
        if login is not None:
            answer = client.post(
                "/login", data={"email": login.email, "password": login.password}
            )
            assert answer.status_code == 302, role
        if language != "th":
            client.post("/language", data={"locale": language})
        walked = crawl(client).pages
        for url, page in walked.items():
            pages[_file_name(role, url)] = page
        for url in filter(SENT_EMPTY.match, walked):
            answer = client.post(url, data={})
            if answer.status_code in (200, 400, 422):  # not a redirect: errors shown
                pages[_file_name(f"{role} sent", url)] = answer.get_data(as_text=True)
    return pages


def validate(folder: Path) -> list[dict]:
    """The Nu Html Checker's errors for every .html file in the folder."""
    result = subprocess.run(
        [
            JAVA,
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stderr)["messages"]


@pytest.mark.skipif(
    JAVA is None,
    reason="Java is missing: the Nu Html Checker (vnu.jar) needs it "
    "(Debian: apt-get install default-jre-headless; .ci/run installs it)",
)
def test_every_demo_page_validates(demo, tmp_path):
    assert VNU_JAR.exists(), f"{VNU_JAR} is missing: run `make vnu`"
    pages = _demo_pages(demo)
    assert len(pages) > 80
    assert any("_sent_" in name for name in pages)
    for name, page in pages.items():
        (tmp_path / name).write_text(page, encoding="utf-8")

    errors = validate(tmp_path)

    found: dict[str, list[str]] = defaultdict(list)
    for error in errors:
        name = error.get("url", "?").rsplit("/", 1)[-1]
        found[error["message"]].append(f"{name}:{error.get('lastLine')}")
    report = "\n".join(
        f"{len(where)}x {message}\n    {', '.join(where[:5])}"
        for message, where in sorted(found.items())
    )
    assert errors == [], f"{len(errors)} HTML errors:\n{report}"


def test_the_checker_finds_an_error(tmp_path):
    """The test above would see errors: a page with a repeated id fails."""
    if JAVA is None or not VNU_JAR.exists():
        pytest.skip("Java or vnu.jar missing (see test_every_demo_page_validates)")
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="th"><head><title>x</title></head>'
        '<body><p id="lat">1</p><p id="lat">2</p></body></html>'
    )
    errors = validate(tmp_path)
    assert [e["message"] for e in errors] == ["Duplicate ID \u201clat\u201d."]
