"""Reads catalog pages back for the tests (Python standard library only).

An HTML page (sigma-catalog's own, or a Markdown page rendered by cmark-gfm, the
renderer GitHub uses) becomes a flat list of blocks in document order:

    ("h1", text) ("h2", text) ("h3", text) ("p", text, [code texts])
    ("pre", text) ("table", [[cell, ...], ...]) ("li", text) ("a", href, text)

where a table cell is a Cell(text, codes): its text content (<br> as a line break)
and the texts of the <code> elements inside it. Sections are the blocks between
two h2 headings. The same checks then apply to both formats.
"""

import html.parser
import re
import subprocess


class Cell:
    def __init__(self):
        self.text = ""
        self.codes = []
        self.links = []

    def __repr__(self):
        return "Cell(%r, %r)" % (self.text.strip(), self.codes)


class _Parser(html.parser.HTMLParser):
    BLOCKS = ("h1", "h2", "h3", "p", "pre", "li", "dt", "dd")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self.links = []
        self.raw_tags = []  # every start tag, for the "no script" checks
        self.block = None   # [tag, text, codes]
        self.code = None    # text of the open <code>, or None
        self.cell = None
        self.row = None
        self.table = None
        self.link = None

    def handle_starttag(self, tag, attrs):
        self.raw_tags.append((tag, dict(attrs)))
        if tag == "table":
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = Cell()
        elif tag == "code":
            self.code = ""
        elif tag == "br":
            self._text("\n")
        elif tag == "a":
            self.link = [dict(attrs).get("href"), ""]
        elif tag in self.BLOCKS and self.cell is None:
            self.block = [tag, "", []]

    def handle_endtag(self, tag):
        if tag == "code" and self.code is not None:
            if self.cell is not None:
                self.cell.codes.append(self.code)
            elif self.block is not None:
                self.block[2].append(self.code)
            self.code = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.table.append(self.row)
            self.row = None
        elif tag == "table" and self.table is not None:
            self.blocks.append(("table", self.table))
            self.table = None
        elif tag == "a" and self.link is not None:
            self.links.append(tuple(self.link))
            if self.cell is not None:
                self.cell.links.append(tuple(self.link))
            self.link = None
        elif self.block is not None and tag == self.block[0]:
            t, text, codes = self.block
            if t == "p":
                self.blocks.append(("p", text, codes))
            else:
                self.blocks.append((t, text))
            self.block = None

    def _text(self, data):
        if self.code is not None:
            self.code += data
        if self.link is not None:
            self.link[1] += data
        if self.cell is not None:
            self.cell.text += data
        elif self.block is not None:
            self.block[1] += data

    def handle_data(self, data):
        self._text(data)


class Page:
    def __init__(self, html_text):
        p = _Parser()
        p.feed(html_text)
        p.close()
        self.html = html_text
        self.blocks = p.blocks
        self.links = p.links
        self.tags = p.raw_tags

    def first(self, kind):
        for b in self.blocks:
            if b[0] == kind:
                return b[1]
        return None

    def headings(self, kind="h2"):
        return [norm(b[1]) for b in self.blocks if b[0] == kind]

    def section(self, title):
        """Blocks after the h2 `title` up to the next h2."""
        out, inside = [], False
        for b in self.blocks:
            if b[0] == "h2":
                if inside:
                    break
                inside = norm(b[1]) == title
                continue
            if inside:
                out.append(b)
        if not inside and not out:
            raise AssertionError("no section %r in %r" % (title, self.headings()))
        return out


def norm(s):
    """Text with runs of white space made one space, trimmed."""
    return None if s is None else re.sub(r"\s+", " ", s).strip()


def tables(blocks):
    return [b[1] for b in blocks if b[0] == "table"]


def row_texts(table):
    return [[norm(c.text) for c in row] for row in table]


def render_markdown(cmark, text):
    """HTML from GitHub's Markdown renderer (cmark-gfm, safe mode, GitHub's extensions)."""
    out = subprocess.run([cmark, "-e", "table", "-e", "autolink", "-e", "strikethrough",
                          "-e", "tagfilter", "--to", "html"],
                         input=text.encode(), stdout=subprocess.PIPE, check=True)
    return out.stdout.decode()
