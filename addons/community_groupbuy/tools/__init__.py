from . import poster
