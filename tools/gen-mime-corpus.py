#!/usr/bin/env python3
"""Writes the MIME comparison corpus deterministically.

usage: gen-mime-corpus.py OUTDIR [COUNT]

Every message is built from a fixed list of hand-written edge cases plus
seeded random combinations of them (random.Random(4)), so the same
command always writes the same bytes. Generating at test time keeps the
repository free of hundreds of opaque files and makes every case reviewable
here. Files are named 0001.eml, 0002.eml, ... in order.
"""
import os
import random
import sys


def crlf(s):
    return s.replace("\n", "\r\n")


BASE_HDR = (
    "From: Alice Example <alice@example.com>\n"
    "To: bob@example.org\n"
    "Subject: test message\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
    "Message-ID: <m1@example.com>\n"
)


def simple(extra_hdr="", body="hello world\n", base=BASE_HDR):
    return base + extra_hdr + "\n" + body


def fixed_cases():
    c = []
    # -- plain messages and line ends
    c.append(crlf(simple()))
    c.append(simple())  # bare LF
    c.append(simple(body="line1\r\nline2\nline3\r\n"))  # mixed
    c.append(simple(body=""))  # empty body
    c.append("")  # empty message
    c.append(BASE_HDR)  # header only, no blank line
    c.append(BASE_HDR.rstrip("\n"))  # header only, no final LF
    c.append("\nbody without header\n")
    c.append("no colon line\nSubject: after garbage\n\nbody\n")
    c.append(simple(body="no final newline"))
    c.append(simple(body="a\rb\rc\r"))  # bare CR
    c.append(simple(body="\x00nul\x00 in body\n"))
    c.append(simple(body="8bit body: caf\xe9 \xff\xfe\n"))
    # -- headers
    c.append(simple("", base="Subject: folded\n\tsubject  with\n  tabs\n"
                    "From: a@b.c\n"))
    c.append(simple(base="Subject: =?UTF-8?B?w6lsw6h2ZQ==?= enc words\n"
                    "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.com>\n"))
    c.append(simple(base="Subject: caf\xc3\xa9 8-bit subject\n"
                    "From: J\xc3\xb6rg <joerg@example.de>\n"))
    c.append(simple(base="Subject: " + "x" * 10240 + "\nFrom: a@b\n"))
    c.append(simple(base="Subject: " + " ".join(["word"] * 2600) +
                    "\nFrom: a@b\n"))
    c.append(simple(base="X-Long: " + "y" * 12000 + "\nSubject: after long\n"))
    c.append(simple(base="Subject: quotes \"a\" \"b\" \\c\n"))
    c.append(simple(base="Subject: many \"\"\"\"\" quotes\n"))
    c.append(simple(base="Subject:\n"))
    c.append(simple(base="Subject:    \n"))
    c.append(simple(base="Subject:\n continued only\n"))
    c.append(simple(base="Subject: trailing spaces   \n"))
    c.append(simple(base="Subject: nul\x00inside\n"))
    c.append(simple(base="From:\nTo:\nCc: \nSubject: empty addrs\n"))
    c.append(simple(base="Subject: no from\n"))
    c.append(simple(base="From: undisclosed-recipients:;\n"
                    "To: Friends: a@b.c, \"C D\" <c@d.e>;, x@y\n"))
    c.append(simple(base="From: <@route1,@route2:user@dom.ain>\n"))
    c.append(simple(base="From: Name <user@[192.168.0.1]>\n"))
    c.append(simple(base="From: user@example.com (Comment Name)\n"))
    c.append(simple(base="From: \"Last, First\" <first.last@ex.com>\n"))
    c.append(simple(base="From: broken <missing-domain>\n"))
    c.append(simple(base="From: \"unterminated <x@y>\n"))
    c.append(simple(base="From: <>\n"))
    c.append(simple(base="From: @\n"))
    c.append(simple(base="From: a@b,,c@d, ,\n"))
    c.append(simple(base="From: justaname\n"))
    c.append(simple(base="From: a . b @ c . d\n"))
    c.append(simple(base="From: (nested (comment)) a@b (trailing)\n"))
    c.append(simple(base="From: a@b\nSender: s@b\nReply-To: r@b, r2@b\n"
                    "Bcc: hidden@b\nCc: one@b,\n two@b\n"))
    c.append(simple(base="From: a@b\nSender:\nReply-To:\n"))
    c.append(simple(base="From: first@b\nFrom: second@b\nSubject: one\n"
                    "Subject: two\n"))
    c.append(simple(base="Date:\n Mon, 1 Jan 2024\n 10:00:00 +0000\n"
                    "Message-ID:\n <folded@id>\n"
                    "In-Reply-To: <a@b>\n <c@d>\n"))
    c.append(simple(base="Message-ID: <with\"quote@x>\nIn-Reply-To: x\\y\n"))
    c.append(simple(base="subject: lower case names\nFROM: UPPER@CASE\n"))
    c.append(simple(base="Subject : space before colon\nFrom:a@b\n"))
    c.append(simple(base="Subject:\ttab after colon\n"))
    c.append(simple(base=" Subject: leading space\n"))
    c.append(simple(base="To: " + ", ".join("user%d@example.com" % i
                                           for i in range(300)) + "\n"))
    # -- MIME single part
    c.append(simple("MIME-Version: 1.0\nContent-Type: text/html; "
                    "charset=utf-8\nContent-Transfer-Encoding: "
                    "quoted-printable\n", "<p>hi=20</p>\n"))
    c.append(simple("Content-Type: text/plain; charset=\"ISO-8859-1\"; "
                    "format=flowed\n"))
    c.append(simple("Content-Transfer-Encoding: base64\n",
                    "aGVsbG8=\n"))  # no MIME-Version, no Content-Type
    c.append(simple("MIME-Version: 1.0\nContent-Transfer-Encoding: base64\n",
                    "aGVsbG8=\n"))
    c.append(simple("MIME-Version: 1.0\nContent-Type: application/pdf; "
                    "name=\"x.pdf\"\nContent-ID: <cid1@x>\n"
                    "Content-Description: a pdf file\n"
                    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
                    "Content-Language: en, de-DE\n"
                    "Content-Location: http://x/y.pdf\n"
                    "Content-Disposition: attachment; filename=x.pdf; "
                    "size=123\n", "JVBERi0=\n"))
    c.append(simple("Content-Type: text\n"))
    c.append(simple("Content-Type: text/\n"))
    c.append(simple("Content-Type: /plain\n"))
    c.append(simple("Content-Type:\n"))
    c.append(simple("Content-Type: ;charset=x\n"))
    c.append(simple("Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"))
    c.append(simple("Content-Type: text/plain; charset=us-ascii (comment)\n"))
    c.append(simple("Content-Type: text/plain; charset\n"))
    c.append(simple("Content-Type: text/plain; =x; a=b;; c=\"d;e\"\n"))
    c.append(simple("Content-Type: text/plain; name==?utf-8?b?w6k=?=\n"))
    c.append(simple("Content-Type: image/png\nContent-Type: text/html\n"))
    c.append(simple("Content-Transfer-Encoding: 8bit junk\n"
                    "Content-Type: text/plain\n"))
    c.append(simple("Content-Transfer-Encoding: \"quoted\"\n"
                    "Content-Type: text/plain\n"))
    c.append(simple("Content-Type: text/plain\nContent-Disposition: inline\n"
                    "Content-Disposition: attachment; filename=second\n"))
    c.append(simple("Content-Type: text/plain\nContent-Disposition: \n"))
    c.append(simple("Content-Type: text/plain\nContent-Language: ,en\n"))
    c.append(simple("Content-Type: text/plain\nContent-ID: <a\"b>\n"
                    "Content-Description: caf\xc3\xa9\n"))
    c.append(simple("Content-Type: text/plain\nContent-Location:\n"
                    " http://folded/\n"))
    # RFC 2231
    for params in [
        "filename*=utf-8''%E2%82%AC%20rates.txt",
        "filename*0=\"long\"; filename*1=\"name.txt\"",
        "filename*0*=utf-8''a%20b; filename*1=\"c d\"; filename*2*=%41",
        "filename*1=\"b\"; filename*0=\"a\"",
        "filename*0=\"a\"; filename*2=\"c\"",
        "filename*=\"plain\"; filename=\"both.txt\"",
        "title*=us-ascii'en'This%20is%20%2A%2A%2Afun%2A%2A%2A",
        "x*0*=a%25; x*1=b%c",
        "name*=; name*0=",
        "filename*00=\"zero\"; filename*1=\"one\"",
    ]:
        c.append(simple("MIME-Version: 1.0\nContent-Type: application/"
                        "octet-stream; " + params + "\n"
                        "Content-Disposition: attachment; " + params + "\n",
                        "data\n"))
    return c


def part(ctype, body, extra=""):
    h = ""
    if ctype is not None:
        h += "Content-Type: " + ctype + "\n"
    return h + extra + "\n" + body


def multipart(sub, boundary, parts, pre="", epi="", close=True, nl="\n"):
    s = pre
    for p in parts:
        s += "--" + boundary + "\n" + p + "\n"
    if close:
        s += "--" + boundary + "--\n" + epi
    return s


def mp_msg(sub, boundary, parts, hdr_extra="", **kw):
    hdr = (BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/" + sub +
           "; boundary=\"" + boundary + "\"\n" + hdr_extra)
    return hdr + "\n" + multipart(sub, boundary, parts, **kw)


def inner_message(subject, body_parts=None):
    h = ("From: Inner <inner@example.net>\nSubject: " + subject +
         "\nDate: Tue, 2 Jan 2024 11:00:00 +0100\n")
    if body_parts is None:
        return h + "\ninner body\n"
    return (h + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
            "boundary=inner\n\n" + multipart("mixed", "inner", body_parts))


def structure_cases():
    c = []
    t1 = part("text/plain; charset=utf-8", "first part\n")
    t2 = part("text/html", "<b>second</b>\n")
    att = part("application/octet-stream; name=\"a.bin\"", "AAAA\n",
               "Content-Transfer-Encoding: base64\n"
               "Content-Disposition: attachment; filename=\"a.bin\"\n")
    c.append(mp_msg("mixed", "b1", [t1, att]))
    c.append(crlf(mp_msg("mixed", "b1", [t1, att])))
    c.append(mp_msg("alternative", "alt", [t1, t2]))
    c.append(mp_msg("related", "rel", [t2, part("image/png", "PNG\n",
                                                 "Content-ID: <img1>\n")]))
    alt = part("multipart/alternative; boundary=\"alt2\"",
               multipart("alternative", "alt2", [t1, t2]))
    c.append(mp_msg("mixed", "outer", [alt, att], pre="preamble text\n",
                    epi="epilogue text\n"))
    rel = part("multipart/related; boundary=r3",
               multipart("related", "r3", [alt, part("image/gif", "GIF\n")]))
    c.append(mp_msg("mixed", "m3", [rel, att]))
    rfc = part("message/rfc822", inner_message("nested one"))
    c.append(mp_msg("mixed", "n1", [t1, rfc]))
    rfc2 = part("message/rfc822", inner_message("nested mp", [t1, att]))
    c.append(mp_msg("mixed", "n2", [t1, rfc2]))
    rfc3 = part("message/rfc822",
                "Subject: level2\nMIME-Version: 1.0\nContent-Type: "
                "message/rfc822\n\n" + inner_message("level3", [t1, t2]))
    c.append(mp_msg("mixed", "n3", [rfc3]))
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: message/rfc822\n\n"
             + inner_message("top level rfc822"))
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: message/rfc822\n\n")
    c.append(mp_msg("digest", "dg", [
        "\nSubject: digest 1\n\nd1\n",
        "Content-Type: text/plain\n\nnot a message\n",
        "\nFrom: x@y\nSubject: digest 3\n\nd3\n"]))
    # broken structures
    c.append(mp_msg("mixed", "b1", [t1, att], close=False))
    c.append(mp_msg("mixed", "b1", [t1], close=False) + "trailing\n")
    c.append(mp_msg("mixed", "b1", []))  # only the close delimiter
    c.append(mp_msg("mixed", "b1", [], close=False) + "no parts\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed\n\n"
             "--b1\n\nx\n--b1--\n")  # no boundary param
    c.append(BASE_HDR + "Content-Type: multipart/mixed; boundary=b1\n\n"
             "--b1\n\nno mime-version\n--b1--\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=b1\n--b1\nContent-Type: text/plain\n\n"
             "no blank line before boundary\n--b1--\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=b1\n\n--b1\nContent-Type: text/plain\n--b1\n"
             "\nheader cut by boundary\n--b1--\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=b\n\n--b\n\nprefix\n--bb\n\nnot ours\n--b--\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=ab\n\n--ab\nContent-Type: multipart/mixed; "
             "boundary=abc\n\n--abc\n\nin abc\n--ab\n\nback in ab\n"
             "--ab--\n")  # inner never closed, outer boundary is a prefix
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=same\n\n--same\nContent-Type: multipart/mixed; "
             "boundary=same\n\n--same\n\ndup\n--same--\n--same--\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=b1\n\n--b1 trailing garbage\n\nx\n--b1--garbage\n"
             "epi\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=b1\n\n--b1\n\n\n--b1\n\n--b1--")  # empty parts
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=\"\"\n\n--\n\nempty boundary\n----\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=\"with space\"\n\n--with space\n\nx\n"
             "--with space--\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: multipart/"
             "mixed;\n boundary=\"folded\"\n\n--folded\r\n\r\ncrlf part\r\n"
             "--folded--\r\n")
    c.append(BASE_HDR + "MIME-Version: 1.0\nContent-Type: Multipart/MIXED; "
             "BOUNDARY=Caps\n\n--Caps\nContent-Type: TEXT/HTML\n\nx\n"
             "--Caps--\n")
    deep = part("text/plain", "deepest\n")
    for i in range(12):
        deep = part("multipart/mixed; boundary=d%d" % i,
                    multipart("mixed", "d%d" % i, [deep]))
    c.append(BASE_HDR + "MIME-Version: 1.0\n" + deep)
    c.append(mp_msg("mixed", "e1", [part("text/plain", "")]))
    c.append(mp_msg("mixed", "e1", ["\n"]))
    c.append(mp_msg("mixed", "e1", [part(None, "no content-type\n")]))
    c.append(mp_msg("mixed", "e1", [part("message/rfc822", "")]))
    c.append(mp_msg("mixed", "e1", [part("text/plain", "a\x00b\n")]))
    c.append(mp_msg("mixed", "e1", [part("text/plain",
                                         "x" * 20000 + "\n" + "y\n" * 500)]))
    c.append(mp_msg("mixed", "e1", [part("text/plain; name=\"" + "n" * 300 +
                                         "\"", "long param\n")]))
    return c


def random_cases(rnd, n):
    """Seeded combinations of the building blocks above."""
    out = []
    leaves = [
        lambda: part("text/plain; charset=us-ascii", "plain %d\n" %
                     rnd.randint(0, 999)),
        lambda: part("text/html; charset=utf-8", "<p>%d</p>\n" %
                     rnd.randint(0, 999),
                     "Content-Transfer-Encoding: quoted-printable\n"),
        lambda: part("image/jpeg; name=p%d.jpg" % rnd.randint(0, 99),
                     "/9j/4AAQ\n", "Content-Transfer-Encoding: base64\n"
                     "Content-Disposition: inline; filename*=utf-8''p%C3%A9"
                     ".jpg\n"),
        lambda: part("application/zip", "UEsDB\n",
                     "Content-Disposition: attachment; filename*0=\"part\";"
                     " filename*1=\"s.zip\"\n"),
        lambda: part(None, "defaulted\n"),
        lambda: part("message/rfc822", inner_message(
            "rand %d" % rnd.randint(0, 999))),
    ]

    def tree(depth):
        if depth == 0 or rnd.random() < 0.45:
            return rnd.choice(leaves)()
        sub = rnd.choice(["mixed", "alternative", "related", "signed"])
        bnd = "r%d_%d" % (depth, rnd.randint(0, 99999))
        kids = [tree(depth - 1) for _ in range(rnd.randint(1, 4))]
        return part("multipart/%s; boundary=\"%s\"" % (sub, bnd),
                    multipart(sub, bnd, kids,
                              close=rnd.random() > 0.1,
                              pre=rnd.choice(["", "preamble\n"]),
                              epi=rnd.choice(["", "epilogue\n"])))

    for i in range(n):
        hdr = BASE_HDR.replace("test message", "random %d" % i)
        if rnd.random() < 0.3:
            hdr += "Cc: \"Person %d\" <p%d@example.com>, group: a@b;\n" % (i, i)
        msg = hdr + "MIME-Version: 1.0\n" + tree(4)
        r = rnd.random()
        if r < 0.4:
            msg = crlf(msg)
        elif r < 0.5:
            # mixed line ends
            msg = "".join(l + ("\r\n" if rnd.random() < 0.5 else "\n")
                          for l in msg.split("\n"))
        out.append(msg)
    return out


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    outdir = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 250
    cases = fixed_cases() + structure_cases()
    rnd = random.Random(4)
    if count > len(cases):
        cases += random_cases(rnd, count - len(cases))
    os.makedirs(outdir, exist_ok=True)
    for i, m in enumerate(cases, 1):
        with open(os.path.join(outdir, "%04d.eml" % i), "wb") as f:
            f.write(m.encode("latin-1"))
    print(len(cases))


if __name__ == "__main__":
    main()
