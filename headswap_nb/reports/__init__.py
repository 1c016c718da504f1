"""Reports that travel: one HTML file about a batch that opens anywhere, offline, for good.

``report(batch_or_journal, path)`` writes it; ``board_html(batch, thumbnails=...)`` is the
compact board as static HTML (for a notebook's saved output); ``fetch_images(urls)`` copies
previews into ``data:`` URIs while their links still work. Modules, one job each:

``data``     what a report shows, from a ``Batch`` or a ``Journal`` (via ``jobs.restore``)
``present``  small shared pieces: state colours, badges, bars, safe links, short URLs
``charts``   column charts as inline SVG
``images``   fetching previews (bounded, short deadlines) and checking they are images
``tables``   the page's tables: analyses, people, tasks (pure)
``page``     the whole page: summary, charts, the tables (pure)
``board``    the board snapshot (pure)
``write``    ``report()``: collect, fetch, render, write
``embed``    copying into a page the media it loads from a host about to stop
"""

from headswap_nb.reports.board import board_html
from headswap_nb.reports.data import ReportData, collect
from headswap_nb.reports.images import fetch_images
from headswap_nb.reports.write import report

__all__ = ["ReportData", "board_html", "collect", "fetch_images", "report"]
