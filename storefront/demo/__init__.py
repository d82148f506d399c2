"""The demo microbrand: its data files, images and the seeding that ``stallkit demo`` runs."""
