"""The markers of the map page for one viewport: the matching public sites grouped on a grid in SQL.

The map page (/sites/map/) carries no site; its script asks /sites/map/markers.geojson for the sites in the visible
box (`bbox=west,south,east,north`) at the map's zoom, with the site list's filters. The sites are grouped by grid
cell in one aggregate query (SiteQuerySet.grid_cells); a cell with one site is that site's marker (fetched in one
more query by the cells' first id), a cell with more is a cluster {cluster: true, count, bounds} that the map zooms
into. At the map's closest zoom the sites are shown one by one (those at the same place too) as long as the box
holds no more than MARKER_LIMIT of them. Whatever the size of the archive, the answer has at most
(GRID_CELLS + 1)² features and takes at most three queries.

The map's script asks for boxes of whole tiles, so that nearby views share their addresses (and the page cache's
answers). Such a box is answered tile by tile from the cache, each tile's features kept per publication generation
(core.generation.cached_many) and the missing tiles computed together: a moved map computes its new tiles only, and
a box holding thousands of sites costs a cache read, not a grid query over them all.

What is public is only ever `Site.objects.public()` filtered by `SiteFilter`, as on the map page and in the GeoJSON
export: a withheld or draft site is in no cluster's count and has no marker.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext, ngettext

from core.generation import cached_many

from .geo import point
from .models import Site

# The zoom range of the map (static/js/site-map.js reads it from the map element). The base map is 1:50m data,
# useless closer than about 1:500,000; tiles go further.
MIN_ZOOM = 3
BASEMAP_MAX_ZOOM = 11
TILES_MAX_ZOOM = 18
# A cell is a quarter of a 256-pixel tile: 64 pixels, a bit more than a cluster's icon.
CELLS_PER_TILE = 4
# A box wider or taller than this many cells at its zoom (a client asking for the world at a close zoom) is cut
# into this many cells instead, so that the answer stays small.
GRID_CELLS = 64
# At the closest zoom, up to this many sites in the box are shown one by one.
MARKER_LIMIT = 500


def max_zoom() -> int:
    return TILES_MAX_ZOOM if settings.MAP_TILE_URL else BASEMAP_MAX_ZOOM


class ViewportError(ValueError):
    """A box or zoom that the markers endpoint cannot answer for; `parameter` is the one at fault."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Viewport:
    west: float
    south: float
    east: float
    north: float
    zoom: int

    @classmethod
    def parse(cls, bbox: str | None, zoom: str | None) -> "Viewport":
        """The viewport of the query parameters `bbox=west,south,east,north` and `zoom`, or ViewportError."""
        parts = (bbox or "").split(",")
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError:
            raise ViewportError("bbox", "bbox must be four numbers: west,south,east,north (degrees).") from None
        if not all(-180 <= x <= 180 for x in (west, east)) or not all(-90 <= y <= 90 for y in (south, north)):
            # NaN fails these comparisons too.
            raise ViewportError("bbox", "bbox is out of range: longitudes -180 to 180, latitudes -90 to 90.")
        if west > east or south > north:
            raise ViewportError("bbox", "bbox must have west <= east and south <= north.")
        try:
            level = int(zoom or "")
        except ValueError:
            raise ViewportError("zoom", "zoom must be a whole number.") from None
        if not MIN_ZOOM <= level <= max_zoom():
            raise ViewportError("zoom", f"zoom must be from {MIN_ZOOM} to {max_zoom()}.")
        return cls(west, south, east, north, level)

    @property
    def cell_size(self) -> float:
        """The side of a grid cell in degrees: a quarter of a tile at this zoom, larger for a box far larger than
        a screen at this zoom."""
        tile = tile_size(self.zoom)
        return max(tile / CELLS_PER_TILE, (self.east - self.west) / GRID_CELLS, (self.north - self.south) / GRID_CELLS)

    @property
    def closest(self) -> bool:
        return self.zoom >= max_zoom()

    def tiles(self) -> list[tuple[int, int]] | None:
        """The tiles of this zoom (x, y: degrees over the tile's side) that the box is made of, when it is made of
        whole tiles (the map's script widens its box to them) on the grid of the tiles' cells; else None."""
        tile = tile_size(self.zoom)
        if self.cell_size != tile / CELLS_PER_TILE:
            return None  # a box of more than GRID_CELLS cells, on a coarser grid
        edges = [edge / tile for edge in (self.west, self.south, self.east, self.north)]
        if any(abs(edge - round(edge)) > 1e-9 for edge in edges):
            return None
        west, south, east, north = (round(edge) for edge in edges)
        return [(x, y) for y in range(south, north) for x in range(west, east)] or None


def tile_size(zoom: int) -> float:
    """The side of a tile of `zoom` in degrees."""
    return 360 / 2**zoom


def site_marker(site: Site) -> dict:
    """What a marker and its popup show, in the reader's language (needs `with_public_region()`, and
    `with_translations()` for the name's translation); the open data is the GeoJSON export."""
    precision = site.location_precision
    return {
        "type": "Feature",
        "geometry": point(site.longitude, site.latitude),
        "properties": {
            "slug": site.slug,
            "name": site.reader_name,
            "url": site.get_absolute_url(),
            "kind": str(site.get_kind_display()),
            "region": str(site.public_region or ""),
            "precision": precision,
            "precision_label": (
                gettext("Location precision: %(precision)s") % {"precision": site.get_location_precision_display()}
                if precision
                else ""
            ),
        },
    }


def cluster_feature(cell: dict) -> dict:
    count = cell["count"]
    return {
        "type": "Feature",
        "geometry": point(round(cell["mean_longitude"], 6), round(cell["mean_latitude"], 6)),
        "properties": {
            "cluster": True,
            "count": count,
            "bounds": [round(cell[edge], 6) for edge in ("west", "south", "east", "north")],  # as a GeoJSON bbox
            "label": ngettext("%(count)s site here: zoom in", "%(count)s sites here: zoom in", count)
            % {"count": formats.number_format(count, force_grouping=True)},
        },
    }


def markers_by_id(ids: list[int]) -> dict[int, dict]:
    sites = Site.objects.public().with_public_region().with_translations("name").filter(pk__in=ids).order_by("pk")
    return {site.pk: site_marker(site) for site in sites}


def viewport_markers(sites, viewport: Viewport, tiles_key: str | None = None) -> dict:
    """The GeoJSON FeatureCollection of `sites` (public, filtered) in `viewport`: single sites and clusters.

    With `tiles_key` (what sets `sites` apart from other filtered sites, and the language), a box of whole tiles is
    answered tile by tile, each tile's features kept per publication generation: a map moved by a tile computes the
    new tiles only, however many sites the others hold."""
    in_view = sites.with_coordinates().within(viewport.west, viewport.south, viewport.east, viewport.north)
    if viewport.closest:
        ids = list(in_view.order_by("pk").values_list("pk", flat=True)[: MARKER_LIMIT + 1])
        if len(ids) <= MARKER_LIMIT:
            return feature_collection(list(markers_by_id(ids).values()))
    tiles = viewport.tiles() if tiles_key is not None else None
    if tiles is None:
        return feature_collection(cell_features(in_view.grid_cells(viewport.cell_size)))
    keys = {f"map-tile:{tiles_key}:{viewport.zoom}:{x}:{y}": (x, y) for x, y in tiles}

    def compute(missing: list[str]) -> dict:
        features = tiles_features(sites, viewport.zoom, [keys[key] for key in missing])
        return {key: features[keys[key]] for key in missing}

    by_tile = cached_many(list(keys), compute)
    features = [feature for key in keys for feature in by_tile[key]]
    # Single sites first, then the clusters, as without tiles.
    return feature_collection(sorted(features, key=lambda feature: bool(feature["properties"].get("cluster"))))


def cell_features(cells: list[dict], markers: dict[int, dict] | None = None) -> list[dict]:
    """The features of grid cells: a cell of one site is that site's marker (from `markers`, by id, when they were
    read already), a cell of more a cluster."""
    if markers is None:
        markers = markers_by_id([cell["first"] for cell in cells if cell["count"] == 1])
    # A site withheld between the grid's query and the markers' has no marker.
    singles = [markers[cell["first"]] for cell in cells if cell["count"] == 1 and cell["first"] in markers]
    return singles + [cluster_feature(cell) for cell in cells if cell["count"] > 1]


def tiles_features(sites, zoom: int, tiles: list[tuple[int, int]]) -> dict[tuple[int, int], list[dict]]:
    """{tile: its features} for `tiles` of `zoom`, in one grid query over the box around them."""
    side = tile_size(zoom)
    xs, ys = [x for x, _ in tiles], [y for _, y in tiles]
    box = sites.with_coordinates().within(min(xs) * side, min(ys) * side, (max(xs) + 1) * side, (max(ys) + 1) * side)
    by_tile = {tile: [] for tile in tiles}
    for cell in box.grid_cells(side / CELLS_PER_TILE):
        # A site on the box's east or north edge is in a cell of the next tile, which is not asked for.
        tile = (int(cell["cell_x"]) // CELLS_PER_TILE, int(cell["cell_y"]) // CELLS_PER_TILE)
        if tile in by_tile:
            by_tile[tile].append(cell)
    markers = markers_by_id([cell["first"] for cells in by_tile.values() for cell in cells if cell["count"] == 1])
    return {tile: cell_features(cells, markers) for tile, cells in by_tile.items()}


def feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}
