"""Image analysis shared by the media policies: safe intake, a bounded worker pool, the
chat-screenshot detector and perceptual hashes. Nothing here knows a chat platform; images arrive
as bytes."""
