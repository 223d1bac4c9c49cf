-- Booking pages: a host's branding (a picture and accent colours, light and
-- dark) and, on bookings, the page that embedded the booking form.
ALTER TABLE users ADD COLUMN avatar_url TEXT;
ALTER TABLE users ADD COLUMN brand_color TEXT;
ALTER TABLE users ADD COLUMN brand_color_dark TEXT;
ALTER TABLE bookings ADD COLUMN embed_url TEXT;
