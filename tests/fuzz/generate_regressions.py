#!/usr/bin/env python3
"""generate_regressions.py OUT_DIR - writes the regression inputs too large to keep in git into
OUT_DIR/TARGET/NAME, for ctest.sh replay. Each is a pathological input of issue 16 that once
took seconds to minutes; replayed with -timeout=5 it must now pass quickly."""
import os
import sys


def html_attributes():
    # One element with 100 000 attributes: libxml2's attribute scan is quadratic (252 s);
    # core/mail/html_bounds cuts every tag to its first 256 attributes first.
    return "<html><body><div " + " ".join(f"a{i}=x" for i in range(100000)) + ">text</div></body></html>"


def mime_parameters():
    # A Content-Type with 40 000 parameters: GMime's duplicate scan is quadratic (7.6 s);
    # core/mail/mime_bounds keeps the first 128.
    params = ";".join(f" p{i}=v{i}" for i in range(40000))
    return ("From: a@example.com\r\nTo: b@example.com\r\nSubject: parameters\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain;" + params + "\r\n\r\nbody\r\n")


def dotted_domain():
    # A From address whose domain has 50 000 dots, matched against the autoreply pattern
    # "*.example.com": once a match per dot suffix (12.5 s); core/base/wildcard matches in one
    # pass and normalize_address refuses addresses longer than RFC 5321 allows.
    return "x@" + "a." * 50000 + "example.com"


def subject_tags():
    # A subject of 80 000 distinct ticket tags (1.2 MB): SubjectTagMatcher::find's duplicate
    # check was quadratic (55 s in the fuzz build); it now stops at kMaxSubjectTags. The last
    # 10 bytes are the target's parameters (ticket 0-0, default format, empty name).
    return "".join(f"[Support#10-{i}]" for i in range(1, 80001)) + "\0" * 10


def template_sections():
    # 20 000 open sections, then 20 000 closes of a section never opened: check_template searched
    # every open section for each close (minutes); sections now nest 16 deep at most. The last
    # byte is the target's parameter (no placeholder values).
    return "{{#a}}" * 20000 + "{{/b}}" * 20000 + "\0"


def address_list():
    # A To of 100 000 entries "a (b)": GMime parses address fields while it builds the message,
    # super-linearly (128 s under ASan); core/mail/mime_bounds cuts each such field to its first
    # 1000 addresses before GMime sees it.
    return ("From: a@example.com\r\nTo: " + ", ".join(["a (b)"] * 100000) +
            "\r\nSubject: addresses\r\n\r\nbody\r\n")


INPUTS = {
    ("html_text", "html-100000-attributes.html"): html_attributes,
    ("message", "content-type-40000-parameters.eml"): mime_parameters,
    ("message", "to-100000-addresses.eml"): address_list,
    ("address", "domain-50000-dots.txt"): dotted_domain,
    ("subject_tag", "80000-distinct-tags.txt"): subject_tags,
    ("template", "20000-open-sections-20000-stray-closes.txt"): template_sections,
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: generate_regressions.py OUT_DIR")
    out = sys.argv[1]
    for (target, name), make in INPUTS.items():
        os.makedirs(os.path.join(out, target), exist_ok=True)
        path = os.path.join(out, target, name)
        with open(path, "wb") as f:
            f.write(make().encode())
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
