"""The web dashboard: organisers see and steer their programs, members see their own page.

`site.py` (the aiohttp application: security headers, sessions, routes), `pages.py` (one
handler per page), `render.py` (Jinja2 templates with autoescape; messages as HTML),
`charts.py` (server-rendered SVG), `server.py` (where it listens). Signing in is core logic
(`bot.signin`); what the pages change goes through the core (`bot.dashboard`, `WarmIntro.run`).
"""
