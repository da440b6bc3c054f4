-- The Discord channel of a session, when the platform has set one up (optional).
ALTER TABLE reservations ADD COLUMN discord_channel_url TEXT;
