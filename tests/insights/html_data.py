"""Read a chart's HTML like a browser would: every element, its attributes (unescaped)."""

from __future__ import annotations

from html.parser import HTMLParser


class Elements(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def data(self, tag: str | None = None) -> dict[str, str]:
        """data-label → data-value of every element (of `tag`) that has both."""
        return {
            a["data-label"]: a["data-value"]
            for t, a in self.elements
            if "data-label" in a and "data-value" in a and (tag is None or t == tag)
        }

    def tags(self) -> set[str]:
        return {t for t, _ in self.elements}

    def attribute_names(self) -> set[str]:
        return {k for _, a in self.elements for k in a}


def data_of(markup: str, tag: str | None = None) -> dict[str, str]:
    return Elements(markup).data(tag)
