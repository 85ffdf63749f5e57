"""The import's stages, each a unit that can be named and tested alone; :mod:`lodfilm.pipeline` runs them in order.

=============  ==========================================================================================
stage          module
=============  ==========================================================================================
read           :mod:`lodfilm.records` (every form → the record model), called per file by the pipeline
key            :mod:`lodfilm.importing.keys`: each record's key within its file, twins told apart
skip           :mod:`lodfilm.importing.fingerprint`, :mod:`lodfilm.importing.skip`: a file whose bytes and
               settings are those its stored records were made from is not read at all
map            :mod:`lodfilm.importing.mapped`: a keyed record → its graph
validate       :mod:`lodfilm.importing.checking`: batches of graphs through SHACL in worker processes
write          :mod:`lodfilm.importing.writing`: what a valid record needs written, written in order
log            :mod:`lodfilm.importing.events`: each write's change-log event, each file's source lines
prune          :mod:`lodfilm.importing.prune`: records whose file is gone (``--prune``)
(all)          :mod:`lodfilm.importing.spill`: what a run remembers of every record, in SQLite once large
=============  ==========================================================================================
"""
