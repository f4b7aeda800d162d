#!/usr/bin/env python3
"""bench/orgtree.py - the organisation tree at province scale.

Builds ~311k organisations (1 province > 16 cities > 12 counties > 20 townships
> 20 branches > 3 groups) with zhibu's real schema (migrations/0001) in a
temporary SQLite file and times the queries the server runs on it: a subtree
count, a township's subtree, one page of a subtree listing, and a path lookup by
id (the "is X under Y" check is then a string prefix test in C). Prints a
markdown table. Usage: bench/orgtree.py
"""
import os, sqlite3, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tmp = tempfile.mkdtemp()
db = sqlite3.connect(os.path.join(tmp, "orgtree.db"))
db.executescript(open(os.path.join(root, "migrations", "0001_foundation.sql")).read())
rows, nid = [], 0


def add(parent, ppath, depth, level):
    global nid
    nid += 1
    path = f"{ppath}{nid}/"
    rows.append((nid, parent, path, depth, f"org{nid}", level, 0, 0, 0))
    return nid, path


p, pp = add(None, "/", 0, "province")
for _ in range(16):
    ci, cp = add(p, pp, 1, "city")
    for _ in range(12):
        ki, kp = add(ci, cp, 2, "county")
        for _ in range(20):
            ti, tp = add(ki, kp, 3, "township")
            for _ in range(20):
                bi, bp = add(ti, tp, 4, "branch")
                for _ in range(3):
                    add(bi, bp, 5, "group")
db.executemany("INSERT INTO orgs (id, parent_id, path, depth, name, level, created_at,"
               " updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
db.commit()


def end(path):
    return path[:-1] + "0"


city = db.execute("SELECT path FROM orgs WHERE level = 'city' LIMIT 1").fetchone()[0]
town = db.execute("SELECT path FROM orgs WHERE level = 'township' LIMIT 1").fetchone()[0]
cases = [
    ("count a city's subtree", "SELECT COUNT(*) FROM orgs WHERE path >= ? AND path < ?",
     (city, end(city))),
    ("list a township's subtree", "SELECT id, path FROM orgs WHERE path >= ? AND path < ?",
     (town, end(town))),
    ("one page (50) of a city's subtree",
     "SELECT id, path FROM orgs WHERE path > ? AND path < ? ORDER BY path LIMIT 50",
     (city, end(city))),
    ("path of one organisation by id", "SELECT path FROM orgs WHERE id = ?", (nid // 2,)),
]
print(f"{len(rows)} organisations\n")
print("| query | rows | µs per query |")
print("|---|---|---|")
for name, sql, args in cases:
    n = len(db.execute(sql, args).fetchall())
    reps = 20 if "COUNT" in sql else 2000
    t = time.perf_counter()
    for _ in range(reps):
        db.execute(sql, args).fetchall()
    us = (time.perf_counter() - t) / reps * 1e6
    print(f"| {name} | {n if 'COUNT' not in sql else db.execute(sql, args).fetchone()[0]} | {us:.0f} |")
db.close()
os.remove(os.path.join(tmp, "orgtree.db"))
os.rmdir(tmp)
