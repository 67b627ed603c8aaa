package zapsink

// UnregisterClient forgets the client registered as name, so that a test
// can use the client built from the environment after one registered a
// default client.
func UnregisterClient(name string) {
	mu.Lock()
	defer mu.Unlock()
	delete(clients, name)
}
