"""Pages of a list: the items of one page, where it stands, and links to the others (in the body and a Link header)."""
from flask import request, url_for

from ..extensions import db


def paginate(stmt, args: dict) -> tuple[list, dict, dict]:
    """One page of a select (a fixed number of queries): its rows, its meta and its links."""
    page, per_page = args["page"], args["per_page"]
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
    pages = pagination.pages or 1
    meta = {"page": page, "per_page": per_page, "total": pagination.total, "pages": pages}
    return list(pagination.items), meta, _links(page, pages)


def _links(page: int, pages: int) -> dict:
    """The paths of this page, the first, the last, and the ones before and after (keeping the filters)."""
    def to(number: int) -> str:
        """The path of page `number`."""
        return url_for(request.endpoint, **{**request.view_args, **request.args.to_dict(flat=False),
                                            "page": number})

    links = {"self": to(page), "first": to(1), "last": to(pages)}
    if page > 1:
        links["prev"] = to(min(page - 1, pages))
    if page < pages:
        links["next"] = to(page + 1)
    return links


def link_header(links: dict) -> dict:
    """The page links as an RFC 8288 Link header."""
    return {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if rel != "self")}


def page_body(items: list, meta: dict, links: dict) -> tuple[dict, int, dict]:
    """A list page's answer: the body, 200, and the Link and X-Total-Count headers."""
    return {"items": items, "meta": meta, "links": links}, 200, {**link_header(links),
                                                                 "X-Total-Count": str(meta["total"])}
