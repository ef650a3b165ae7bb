"""Lab reports as people get them: a PDF (or a photo of the paper) read into result rows
that the person reviews before anything is imported.

- `sandbox`: the one way a file is opened, in a child process with limits (CPU time,
  memory, wall time), so a hostile PDF costs a bounded few seconds and never a web worker;
- `child`: what runs in that process (pdfplumber for text, pypdfium2 + tesseract for OCR);
- `reader`: pure, no Django: text lines → result rows (catalog names and aliases in every
  language the catalog knows, values through labs.validation), the draw date and the lab;
- `review`: the person's edits of those rows checked into ImportRows for the CSV import's
  stash and commit (labs.stash, labs.services.results_import);
- `services`: the uploads' life: kept until confirmed, or attached to the panel.
"""
