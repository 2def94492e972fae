"""Editor support: the Pygments lexer for `.arch` files (the TextMate grammar is in editors/)."""
