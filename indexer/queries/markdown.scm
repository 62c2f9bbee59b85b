; Markdown: one chunk per heading section; sections nest, so the symbol is the heading path
; ("Install > Linux"). Text before the first heading is a section with no symbol.
(section (atx_heading heading_content: (_) @name)) @definition.section
(section (setext_heading heading_content: (_) @name)) @definition.section
