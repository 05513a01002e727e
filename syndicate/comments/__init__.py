"""Reader comments under articles, held for moderation until a commenter is trusted."""
