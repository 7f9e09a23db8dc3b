"""mpp-kiosk: the queue system of a Mal Pelayanan Publik lobby."""
__version__ = "0.1.0"
