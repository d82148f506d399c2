"""The demo microbrand: its catalogue data, images and the seeding that ``stallkit demo`` runs."""
