-- Team pages: a team's branding (a logo and accent colours, light and dark),
-- checked like a host's.
ALTER TABLE teams ADD COLUMN logo_url TEXT;
ALTER TABLE teams ADD COLUMN brand_color TEXT;
ALTER TABLE teams ADD COLUMN brand_color_dark TEXT;
