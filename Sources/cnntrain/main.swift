print("cnntrain: placeholder")
