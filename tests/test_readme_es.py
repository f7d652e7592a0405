"""README.es.md stays in step with README.md: each Spanish section names its English counterpart (`<!-- en: heading -->` under its heading), and every section of README.md is translated or listed below as not yet translated."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# README.md's sections that README.es.md does not have yet (the Spanish README points to the
# English one for them); none today. A new section of README.md must be translated or added here.
NOT_YET_IN_SPANISH = set()  # every section is translated today


def sections(text):
    return re.findall(r"^## (.+)$", text, flags=re.M)


def counterparts(text):
    """{Spanish heading: the English heading its `<!-- en: ... -->` line names}."""
    return dict(re.findall(r"^## (.+)\n<!-- en: (.+) -->$", text, flags=re.M))


def problems(english, spanish, not_yet):
    found = []
    english_sections, mapping = sections(english), counterparts(spanish)
    for heading in sections(spanish):
        if heading == "Glosario":
            continue  # docs/glossary.md, which README.md links from its "En español" section
        if heading not in mapping:
            found.append(f"README.es.md: section {heading!r} names no English counterpart")
        elif mapping[heading] not in english_sections:
            found.append(f"README.es.md: {heading!r} names {mapping[heading]!r}, not a README.md section")
    translated = set(mapping.values())
    for heading in english_sections:
        if heading not in translated and heading not in not_yet:
            found.append(f"README.md: section {heading!r} has no Spanish counterpart "
                         f"(translate it into README.es.md, or list it in NOT_YET_IN_SPANISH)")
    found += [f"NOT_YET_IN_SPANISH lists {h!r}, which is translated or gone"
              for h in sorted(not_yet & translated | not_yet - set(english_sections))]
    return found


def test_readme_es_keeps_in_step_with_readme():
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    spanish = (ROOT / "README.es.md").read_text(encoding="utf-8")
    assert problems(english, spanish, NOT_YET_IN_SPANISH) == []
    assert "README.es.md" in english.split("\n## ", 1)[0]  # linked from the top
    assert "(README.md)" in spanish.split("\n## ", 1)[0]


def test_the_check_catches_a_new_english_section_and_a_dangling_name():
    english = (ROOT / "README.md").read_text(encoding="utf-8") + "\n## A new section\n\ntext\n"
    spanish = (ROOT / "README.es.md").read_text(encoding="utf-8").replace(
        "<!-- en: A first look -->", "<!-- en: A first peek -->")
    assert problems(english, spanish, NOT_YET_IN_SPANISH) == [
        "README.es.md: 'Un primer vistazo' names 'A first peek', not a README.md section",
        "README.md: section 'A first look' has no Spanish counterpart (translate it into "
        "README.es.md, or list it in NOT_YET_IN_SPANISH)",
        "README.md: section 'A new section' has no Spanish counterpart (translate it into "
        "README.es.md, or list it in NOT_YET_IN_SPANISH)"]


def test_the_check_catches_a_stale_not_yet_entry():
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    spanish = (ROOT / "README.es.md").read_text(encoding="utf-8")
    assert problems(english, spanish, NOT_YET_IN_SPANISH | {"Speed", "A gone section"}) == [
        "NOT_YET_IN_SPANISH lists 'A gone section', which is translated or gone",
        "NOT_YET_IN_SPANISH lists 'Speed', which is translated or gone"]
