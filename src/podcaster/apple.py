"""Apple Podcasts' rules that are data rather than code: the category list and accepted types."""

from __future__ import annotations

# Apple Podcasts categories and subcategories, as listed in Apple's
# "Apple Podcasts categories" support page (the 2019 revision, still current).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

SHOW_TYPES = ("episodic", "serial")
EPISODE_TYPES = ("full", "trailer", "bonus")

# Enclosure types Apple Podcasts accepts (M4A, MP3, MOV, MP4, M4V, PDF); anything else, Opus
# included, can only be offered beside the enclosure (podcast:alternateEnclosure).
ENCLOSURE_TYPES = ("audio/mpeg", "audio/x-m4a", "audio/mp4", "video/quicktime", "video/mp4", "video/x-m4v",
                   "application/pdf")

# Artwork: JPEG or PNG named .jpg or .png, in RGB, square, 1400 to 3000 pixels a side.
ARTWORK_FORMATS = {"JPEG": ".jpg", "PNG": ".png"}
ARTWORK_MODES = ("RGB", "RGBA", "P")
ARTWORK_MIN_PIXELS = 1400
ARTWORK_MAX_PIXELS = 3000

# The channel description, and each episode's, in bytes.
DESCRIPTION_MAX_BYTES = 4000
