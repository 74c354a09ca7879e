"""Running dailylife as a service: health checks for the load balancer, structured logs, the
keys every instance must share, and a database upgrade that several instances may start at once."""
