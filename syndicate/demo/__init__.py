"""Original demo content: invented stories, people, outlets and generated images."""
