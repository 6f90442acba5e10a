"""The link-checker benchmark (`make bench`): generated sites, their loopback server, tool runners."""
