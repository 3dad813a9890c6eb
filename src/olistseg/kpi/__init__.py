"""Customer Experience KPIs: SQL files, their runner, dialects, charts and exports."""
