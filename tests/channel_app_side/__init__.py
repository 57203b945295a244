"""The channel side of a channel-app integration, written for the end-to-end test the way
channel-app's template lays one out: `omnitron` is the OMNITRON_MODULE (Akinon's Omnitron
integration, used as shipped), `integration` the CHANNEL_MODULE (this channel's commands), and
`marketplace` stands in for the marketplace's own API, which those commands call."""
